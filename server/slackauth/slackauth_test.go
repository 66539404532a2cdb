package slackauth

import (
	"errors"
	"testing"
	"time"
)

// Published vectors (testdata/vectors/README.md): Slack's documentation
// example and slack-go's security_test.go.
var vectors = []struct{ secret, ts, body, sig string }{
	{"8f742231b10e8888abcd99yyyzzz85a5", "1531420618",
		"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
		"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"},
	{"e6b19c573432dcc6b075501d51b51bb8", "1531431954",
		`{"token":"aF5ynEYQH0dFN9imlgcADxDB","team_id":"XXXXXXXXX","api_app_id":"YYYYYYYYY","event":{"type":"app_mention","user":"AAAAAAAAA","text":"<@EEEEEEEEE> hello world","client_msg_id":"477cc591-ch73-a14z-4db8-g0cd76321bec","ts":"1531431954.000073","channel":"TTTTTTTTT","event_ts":"1531431954.000073"},"type":"event_callback","event_id":"TvBP7LRED7","event_time":1531431954,"authed_users":["EEEEEEEEE"]}`,
		"v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		sec := int64(0)
		for _, c := range v.ts {
			sec = sec*10 + int64(c-'0')
		}
		now := time.Unix(sec, 0).Add(30 * time.Second)
		if got := Sign(v.secret, v.ts, []byte(v.body)); got != v.sig {
			t.Errorf("sign: %s, want %s", got, v.sig)
		}
		if err := Verify(v.secret, v.ts, v.sig, []byte(v.body), now); err != nil {
			t.Errorf("verify: %v", err)
		}
		if err := Verify(v.secret, v.ts, v.sig, []byte(v.body+" "), now); !errors.Is(err, ErrSignature) {
			t.Errorf("tampered body: %v", err)
		}
		if err := Verify(v.secret, v.ts, v.sig, []byte(v.body), now.Add(6*time.Minute)); !errors.Is(err, ErrStale) {
			t.Errorf("stale: %v", err)
		}
		if err := Verify(v.secret, v.ts, "", []byte(v.body), now); !errors.Is(err, ErrMissing) {
			t.Errorf("missing: %v", err)
		}
	}
}
