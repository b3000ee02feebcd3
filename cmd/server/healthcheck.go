package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck handles `server healthcheck [--url URL] [--timeout D]`:
// it exits 0 when URL answers 200 and fails otherwise. It is the container
// image's HEALTHCHECK, as the image has no shell and no curl. The default
// URL is /healthz on the loopback at the port of ADDR (8080).
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := "8080"
	if _, p, err := net.SplitHostPort(getenv("ADDR")); err == nil && p != "" {
		port = p
	}
	url := fs.String("url", "http://127.0.0.1:"+port+"/healthz", "the probe to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: server healthcheck [--url URL] [--timeout D]")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, res.Status)
	}
	_, err = fmt.Fprintln(stdout, "ok")
	return err
}
