//go:build windows

package winevent

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// batchSize is how many events one EvtNext call fetches.
const batchSize = 64

// maxPerPoll bounds the events one Poll hands out, so that a storm of
// events cannot hold a poll for ever; the rest come at the next poll.
const maxPerPoll = 10000

// Reader follows one channel (Application, System, ...) through a pull
// subscription and a bookmark.
type Reader struct {
	channel    string
	signal     windows.Handle
	sub        evtHandle
	bookmark   evtHandle
	publishers map[string]evtHandle // 0 for providers without message metadata
	batch      []evtHandle
}

// Open subscribes to channel after bookmark, the XML that Bookmark returned
// before. With no bookmark it starts with the events to come, or with the
// oldest record when fromOldest is set. If the bookmarked record is gone
// (the log wrapped or was cleared), Windows starts at the oldest record.
func Open(channel, bookmark string, fromOldest bool) (*Reader, error) {
	r := &Reader{channel: channel, publishers: map[string]evtHandle{}, batch: make([]evtHandle, batchSize)}
	var err error
	// EvtSubscribe needs a signal event or a callback; polling ignores the signal.
	if r.signal, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
		return nil, fmt.Errorf("winevent: create signal event: %w", err)
	}
	if r.bookmark, err = evtCreateBookmark(bookmark); err != nil {
		r.Close()
		return nil, fmt.Errorf("winevent: bookmark for %s: %w", channel, err)
	}
	flags := uint32(evtSubscribeToFutureEvents)
	switch {
	case bookmark != "":
		flags = evtSubscribeStartAfterBookmark
	case fromOldest:
		flags = evtSubscribeStartAtOldestRecord
	}
	if r.sub, err = evtSubscribe(r.signal, channel, "*", r.bookmark, flags); err != nil {
		r.Close()
		return nil, fmt.Errorf("winevent: subscribe to %s: %w", channel, err)
	}
	return r, nil
}

// Poll hands every event available now to fn, in order, and moves the
// bookmark past each. An event that cannot be rendered is skipped (the
// bookmark moves past it too) and reported in the returned error.
func (r *Reader) Poll(ctx context.Context, fn func(Event)) (int, error) {
	var skipped error
	n := 0
	for n < maxPerPoll {
		if err := ctx.Err(); err != nil {
			return n, errors.Join(err, skipped)
		}
		got, err := evtNext(r.sub, r.batch)
		if errors.Is(err, windows.ERROR_NO_MORE_ITEMS) || errors.Is(err, errorInvalidOperation) {
			break
		}
		if err != nil {
			return n, errors.Join(fmt.Errorf("winevent: next event of %s: %w", r.channel, err), skipped)
		}
		for _, h := range r.batch[:got] {
			if err := r.handle(h, fn); err != nil && skipped == nil {
				skipped = err
			}
			n++
		}
	}
	return n, skipped
}

// handle renders one event for fn, advances the bookmark and closes it.
func (r *Reader) handle(h evtHandle, fn func(Event)) error {
	defer evtClose(h)
	ev, err := r.render(h)
	if err == nil {
		fn(ev)
	}
	if berr := evtUpdateBookmark(r.bookmark, h); berr != nil {
		return fmt.Errorf("winevent: update bookmark of %s: %w", r.channel, berr)
	}
	return err
}

func (r *Reader) render(h evtHandle) (Event, error) {
	xml, err := evtRender(h, evtRenderEventXML)
	if err != nil {
		return Event{}, fmt.Errorf("winevent: render event of %s: %w", r.channel, err)
	}
	ev, err := Parse([]byte(xml))
	if err != nil {
		return Event{}, err
	}
	if pub := r.publisher(ev.Provider); pub != 0 {
		if msg, err := evtFormatMessage(pub, h); err == nil {
			ev.Message = msg
		}
	}
	return ev, nil
}

// publisher opens a provider's message metadata once; a provider without
// it (not installed here) is remembered as 0 and its events carry no message.
func (r *Reader) publisher(provider string) evtHandle {
	if h, ok := r.publishers[provider]; ok {
		return h
	}
	h, err := evtOpenPublisherMetadata(provider)
	if err != nil {
		h = 0
	}
	r.publishers[provider] = h
	return h
}

// Bookmark renders the position after the last event handed out, to be
// saved once those events are safe and passed to Open on the next start.
func (r *Reader) Bookmark() (string, error) {
	xml, err := evtRender(r.bookmark, evtRenderBookmark)
	if err != nil {
		return "", fmt.Errorf("winevent: render bookmark of %s: %w", r.channel, err)
	}
	return xml, nil
}

// Close ends the subscription and frees its handles.
func (r *Reader) Close() error {
	evtClose(r.sub)
	evtClose(r.bookmark)
	for _, h := range r.publishers {
		evtClose(h)
	}
	r.sub, r.bookmark, r.publishers = 0, 0, nil
	if r.signal != 0 {
		err := windows.CloseHandle(r.signal)
		r.signal = 0
		return err
	}
	return nil
}
