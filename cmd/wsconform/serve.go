package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/reference/server"
)

func serveCommand() *cobra.Command {
	var addr string
	var maxMessage int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the strict reference echo server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := server.Config{MaxMessageSize: maxMessage}
			srv, url, err := server.Start(addr, cfg)
			if err != nil {
				return badInput("cannot listen on %s: %v", addr, err)
			}
			fmt.Fprintf(os.Stderr, "wsconform reference echo server on %s (Ctrl-C to stop)\n", url)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return srv.Close()
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:9001", "address to listen on")
	cmd.Flags().Int64Var(&maxMessage, "max-message", server.DefaultMaxMessageSize, "largest message accepted, in octets (bigger: close 1009)")
	return cmd
}
