package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/symposium/symposium/supervisor/config"
)

// healthcheck asks the server on this machine for /api/health and exits 0
// when it answers 200 (status ok or degraded: both serve blocks), 1
// otherwise. It exists for the image's HEALTHCHECK: the image holds no shell
// and no curl, only the two binaries.
func healthcheck(cfg config.Config) int {
	host := cfg.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, strconv.Itoa(cfg.Port)) + "/api/health")
	if err != nil {
		fmt.Fprintln(os.Stderr, "symposium healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	os.Stdout.Write(body)
	fmt.Println()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "symposium healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}
