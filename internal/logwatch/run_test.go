package logwatch

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestRunPollsUntilCancelled(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	var mu sync.Mutex
	var got []string
	emit := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Message)
	}
	w, err := New([]Config{anyLine(path)}, "", emit, nil, WithInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(got)
	}
	// No need to wait for the first poll: the start offset was taken by New.
	deadline := time.Now().Add(10 * time.Second)
	write(t, path, lines(1, 3))
	for count() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("Run emitted %d of 3 events", count())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if err := w.Poll(context.Background()); err != ErrClosed {
		t.Fatalf("Poll after Run = %v, want ErrClosed", err)
	}
}

func TestRunIdleUntilReconfigured(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	var mu sync.Mutex
	var got []string
	w, err := New(nil, "", func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Message)
	}, nil, WithInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(20 * time.Millisecond) // no item: no ticks
	if err := w.Reconfigure([]Config{anyLine(path)}); err != nil {
		t.Fatal(err)
	}
	write(t, path, lines(1, 2))
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an item added to an idle Run emitted %d of 2 events", n)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
