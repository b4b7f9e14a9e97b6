module github.com/wsconform/wsconform/fuzz/adapters

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	github.com/gobwas/ws v1.5.0
	github.com/gorilla/websocket v1.5.3
	github.com/wsconform/wsconform v0.0.0
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
)

replace github.com/wsconform/wsconform => ../..
