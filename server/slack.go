package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/slack-go/slack"

	"github.com/chatbi/chatbi/server/slackauth"
)

// mentionRE is a user mention in an app_mention's text (<@U123>).
var mentionRE = regexp.MustCompile(`<@[A-Za-z0-9]+>`)

// SlackConfig turns the Slack endpoints on (SigningSecret set).
type SlackConfig struct {
	SigningSecret string
	// HookPrefix: response_url must start with it (default Slack's own
	// hooks), so a forged command cannot make the server post elsewhere.
	HookPrefix string
	Deadline   time.Duration // answer inline within this; default 2.5s (Slack allows 3)
	Poster     SlackPoster   // posts answers to app mentions; nil: none
}

// SlackPoster posts a message to a channel (the real one uses the bot token).
type SlackPoster interface {
	Post(ctx context.Context, channel string, msg *slack.WebhookMessage) error
}

// SlackBotPoster posts with a bot token through Slack's Web API.
type SlackBotPoster struct{ Client *slack.Client }

// Post sends the message's text and blocks to the channel.
func (p SlackBotPoster) Post(ctx context.Context, channel string, msg *slack.WebhookMessage) error {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if msg.Blocks != nil {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
	}
	_, _, err := p.Client.PostMessageContext(ctx, channel, opts...)
	return err
}

func (s *Server) slackRoutes(r *gin.Engine) {
	c := &s.cfg.Slack
	if c.SigningSecret == "" {
		return
	}
	if c.HookPrefix == "" {
		c.HookPrefix = "https://hooks.slack.com/"
	}
	if c.Deadline <= 0 {
		c.Deadline = 2500 * time.Millisecond
	}
	s.slackSeen = newSeenSet(10000)
	r.POST("/slack/command", s.slackVerified(s.slackCommand))
	r.POST("/slack/events", s.slackVerified(s.slackEvents))
	r.POST("/slack/interact", s.slackVerified(s.slackInteract))
}

// slackVerified reads the raw body (bounded) and checks Slack's signature
// before anything runs.
func (s *Server) slackVerified(next func(*gin.Context, []byte)) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
		if err != nil {
			s.log.Warn("slack: body", "err", err)
			s.fail(c, newError(CodeTooLarge, "request body too large", err))
			return
		}
		err = slackauth.Verify(s.cfg.Slack.SigningSecret, c.GetHeader("X-Slack-Request-Timestamp"),
			c.GetHeader("X-Slack-Signature"), body, s.cfg.Now())
		if err != nil {
			s.log.Warn("slack: refused", "err", err)
			s.fail(c, newError(CodeUnauthorized, "invalid Slack signature", err))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		next(c, body)
	}
}

// slackMessage renders an answer as Block Kit (text for notifications too).
func (s *Server) slackMessage(a *Answer, err error) *slack.WebhookMessage {
	text := s.botText(a, err, 10)
	head, rest, _ := strings.Cut(text, "\n")
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+head+"*", false, false), nil, nil)}
	if rest != "" {
		if len(rest) > 2900 { // a section's text is at most 3000 characters
			rest = rest[:2900] + "…"
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "```"+rest+"```", false, false), nil, nil))
	}
	if err == nil && a != nil && a.AnswerID != "" {
		// 👍 / 👎 buttons: Slack posts the click to /slack/interact.
		blocks = append(blocks, slack.NewActionBlock("chatbi_feedback",
			slack.NewButtonBlockElement(slackFeedbackAction, "up:"+a.AnswerID, slack.NewTextBlockObject(slack.PlainTextType, "👍 有帮助", true, false)),
			slack.NewButtonBlockElement(slackFeedbackAction, "down:"+a.AnswerID, slack.NewTextBlockObject(slack.PlainTextType, "👎 没帮助", true, false))))
	}
	return &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral}
}

// slackFeedbackAction names the feedback buttons' action.
const slackFeedbackAction = "chatbi_rate"

// slackInteract records a click on an answer's 👍 / 👎 button (Slack's
// interactivity payload, signed like every request), as the clicking user.
func (s *Server) slackInteract(c *gin.Context, _ []byte) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(c.Request.FormValue("payload")), &cb); err != nil {
		s.fail(c, newError(CodeInvalid, "malformed interaction payload", err))
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		rating, id, ok := strings.Cut(act.Value, ":")
		if act.ActionID != slackFeedbackAction || !ok || (rating != "up" && rating != "down") || s.svc.App == nil {
			continue
		}
		if err := s.svc.App.PutFeedback(c.Request.Context(), id, "slack:"+cb.Team.ID+":"+cb.User.ID, rating, ""); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Status(http.StatusOK)
}

func (s *Server) slackCommand(c *gin.Context, _ []byte) {
	cmd, err := slack.SlashCommandParse(c.Request)
	if err != nil {
		s.log.Warn("slack: bad command form", "err", err)
		s.fail(c, newError(CodeInvalid, "malformed slash command", err))
		return
	}
	q := strings.TrimSpace(cmd.Text)
	if q == "" {
		c.JSON(http.StatusOK, slack.Msg{ResponseType: slack.ResponseTypeEphemeral,
			Text: "用法：" + cmd.Command + " 过去3个月买过口红没买过粉底液的重要价值客户"})
		return
	}
	hook := cmd.ResponseURL
	key := "slack:" + cmd.TeamID + ":" + cmd.ChannelID + ":" + cmd.UserID
	withinDeadline(c.Request.Context(), s.cfg.Slack.Deadline,
		func(ctx context.Context) (*Answer, error) {
			return s.botAsk(ctx, key, q, "slack:"+cmd.TeamID+":"+cmd.UserID)
		},
		func(a *Answer, err error) { c.JSON(http.StatusOK, s.slackMessage(a, err)) },
		func() {
			c.JSON(http.StatusOK, slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "正在查询…「" + q + "」"})
		},
		func(a *Answer, err error) {
			if !strings.HasPrefix(hook, s.cfg.Slack.HookPrefix) {
				s.log.Warn("slack: response_url refused", "url", hook)
				return
			}
			msg := s.slackMessage(a, err)
			msg.ReplaceOriginal = true
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := slack.PostWebhookContext(ctx, hook, msg); err != nil {
				s.log.Error("slack: post to response_url", "err", err)
			}
		})
}

// slackEvent is the part of an Events API callback the bot reads.
type slackEvent struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	TeamID    string `json:"team_id"`
	EventID   string `json:"event_id"`
	Event     struct {
		Type    string `json:"type"`
		User    string `json:"user"`
		Text    string `json:"text"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"event"`
}

func (s *Server) slackEvents(c *gin.Context, body []byte) {
	var ev slackEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		s.log.Warn("slack: bad event JSON", "err", err)
		s.fail(c, newError(CodeInvalid, "malformed event", err))
		return
	}
	switch {
	case ev.Type == "url_verification":
		c.JSON(http.StatusOK, gin.H{"challenge": ev.Challenge})
		return
	case ev.Type != "event_callback" || ev.Event.Type != "app_mention":
		c.Status(http.StatusOK)
		return
	}
	// Acknowledge at once; Slack retries unacknowledged events, so each
	// event id is answered once.
	c.Status(http.StatusOK)
	if !s.slackSeen.firstTime(ev.EventID) || s.cfg.Slack.Poster == nil {
		return
	}
	q := strings.TrimSpace(mentionRE.ReplaceAllString(ev.Event.Text, ""))
	key := "slack:" + ev.TeamID + ":" + ev.Event.Channel + ":" + ev.Event.User
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, err := s.botAsk(ctx, key, q, "slack:"+ev.TeamID+":"+ev.Event.User)
		msg := s.slackMessage(a, err)
		msg.ThreadTimestamp = ev.Event.TS
		if err := s.cfg.Slack.Poster.Post(ctx, ev.Event.Channel, msg); err != nil {
			s.log.Error("slack: post answer", "err", err)
		}
	}()
}
