package server

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed web
var webFiles embed.FS

// chatPage serves the chat page and its assets from the embedded files.
func (s *Server) chatPage(r *gin.Engine) {
	sub, _ := fs.Sub(webFiles, "web")
	index, _ := fs.ReadFile(sub, "index.html")
	r.GET("/", func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	})
	admin, _ := fs.ReadFile(sub, "admin.html")
	r.GET("/admin", func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", admin)
	})
	r.StaticFS("/static", http.FS(sub))
}
