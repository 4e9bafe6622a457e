package backends_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/symposium/symposium/storage/internal/servicetest"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/storage/kv/postgres"
)

// Environment of the re-executed child in TestDurability.
const (
	childBoltPath = "SYMPOSIUM_DURABILITY_BOLT"
	childPGURL    = "SYMPOSIUM_DURABILITY_PG"
	childPGSchema = "SYMPOSIUM_DURABILITY_SCHEMA"
	childValue    = "SYMPOSIUM_DURABILITY_VALUE"
)

func TestMain(m *testing.M) {
	if os.Getenv(childValue) != "" {
		durabilityChild()
		return
	}
	os.Exit(m.Run())
}

// durabilityChild writes through both stores, says "ack", and waits to be killed.
func durabilityChild() {
	ctx := context.Background()
	val := []byte(os.Getenv(childValue))
	b, err := bolt.Open(os.Getenv(childBoltPath))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if err := b.Set(ctx, "durable", val); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if dsn := os.Getenv(childPGURL); dsn != "" {
		p, err := postgres.Open(ctx, dsn, discard, postgres.WithSchema(os.Getenv(childPGSchema)))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if err := p.Set(ctx, "durable", val); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println("ack")
	select {} // never closes the stores: only SIGKILL ends this process
}

// TestDurability: once a Set has returned, the value survives the writer
// being SIGKILLed without any chance to flush or close.
func TestDurability(t *testing.T) {
	dsn := servicetest.PostgresURL(t)
	schema := tempSchema(t, dsn)
	boltPath := filepath.Join(t.TempDir(), "symposium.db")
	value := servicetest.UniqueName("value-")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childBoltPath+"="+boltPath, childPGURL+"="+dsn,
		childPGSchema+"="+schema, childValue+"="+value)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ack" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v; want ack", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v", err)
	}

	b, err := bolt.Open(boltPath)
	if err != nil {
		t.Fatalf("reopen bbolt: %v", err)
	}
	defer b.Close()
	if got, err := b.Get(context.Background(), "durable"); err != nil || string(got) != value {
		t.Fatalf("bbolt after SIGKILL: %q, %v; want %q", got, err, value)
	}
	p, err := postgres.Open(context.Background(), dsn, discard, postgres.WithSchema(schema))
	if err != nil {
		t.Fatalf("reopen postgres: %v", err)
	}
	defer p.Close()
	if got, err := p.Get(context.Background(), "durable"); err != nil || string(got) != value {
		t.Fatalf("postgres after SIGKILL: %q, %v; want %q", got, err, value)
	}
}
