package main

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The placeholder and the server share one socket: clients hammering the
// port across the handover get 503 or 200 and never a refused connection.
func TestPlaceholderHandsTheSocketOver(t *testing.T) {
	sock, err := listenHandoff("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sock.close()
	url := "http://" + sock.ln.Addr().String() + "/"
	stop := placeholder(sock.view(false))

	var mu sync.Mutex
	seen := map[int]int{}
	var refused []error
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := client.Get(url)
				mu.Lock()
				if err != nil {
					refused = append(refused, err)
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					seen[resp.StatusCode]++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	stop()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	go app.Listener(sock.view(true))
	time.Sleep(200 * time.Millisecond)
	close(done)
	wg.Wait()
	_ = app.ShutdownWithContext(context.Background())
	if len(refused) > 0 || seen[503] == 0 || seen[200] == 0 {
		t.Fatalf("answers %v, %d failed requests (first: %v)", seen, len(refused), first(refused))
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
