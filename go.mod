module github.com/chatbi/chatbi

go 1.26.8

require (
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	golang.org/x/text v0.43.0 // indirect
)
