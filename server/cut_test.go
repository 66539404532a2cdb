package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestCutConnectionFailsTheDownload: an export cut after rows went out
// must not reach the client as a whole file. cutConnection closes the
// connection mid-body, so reading it ends in an error, not a clean EOF;
// a body that ends normally is the control.
func TestCutConnectionFailsTheDownload(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	for path, cut := range map[string]bool{"/cut": true, "/whole": false} {
		r.GET(path, func(c *gin.Context) {
			c.Header("Content-Type", "text/csv; charset=utf-8")
			c.Status(http.StatusOK)
			c.Writer.WriteString("客户编号,姓名\nC000001,张三\n")
			c.Writer.Flush()
			if cut {
				cutConnection(c)
			}
		})
	}
	ts := httptest.NewServer(r)
	defer ts.Close()
	for path, wantErr := range map[string]bool{"/cut": true, "/whole": false} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (err != nil) != wantErr {
			t.Errorf("%s: read error %v (%d bytes), want an error: %v", path, err, len(body), wantErr)
		}
	}
}
