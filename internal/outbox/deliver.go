package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/notify"
)

// job is one send: a delivery, or the deliveries of one group to one target.
type job struct {
	claim  string // the claim token the result is written under
	tenant string
	target string
	ids    []int64
	parts  []part
}

// part is one notification in a job.
type part struct {
	key      string
	ref      string
	step     string
	attempts int
	msg      notify.Message
}

// Start recovers deliveries a killed process left half-done and runs the
// workers until Stop. A delivery that was being sent when the process died
// is sent again: its destination may have received it, which is the
// at-least-once boundary (receivers deduplicate on the idempotency key).
//
// On SQLite the one server recovers them at once. On PostgreSQL other
// replicas may be sending right now, so only this replica's own claims
// (its earlier life's, by the replica ID in the token) are reset; a claim
// left by a replica that does not come back expires (claimTTL) and any
// replica claims it again.
func (o *Outbox) Start(ctx context.Context) error {
	q, args := `UPDATE outbox_deliveries SET state=? WHERE state=?`, []any{StatePending, StateSending}
	if o.shared {
		prefix := o.opts.Replica + ":"
		q, args = q+` AND SUBSTR(claim, 1, ?)=?`, append(args, utf8.RuneCountInString(prefix), prefix)
	}
	res, err := database.Writer(o.db).ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("outbox: cannot recover deliveries: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		o.logger.Warn("outbox: deliveries interrupted by the last stop will be sent again", "count", n)
	}
	ctx, o.stop = context.WithCancel(context.WithoutCancel(ctx))
	o.done.Add(1)
	go o.run(ctx)
	return nil
}

// Stop ends the workers and waits for the sends in flight (each is bounded
// by Options.Timeout). Call it before closing the database.
func (o *Outbox) Stop() {
	if o.stop != nil {
		o.stop()
	}
	o.done.Wait()
}

func (o *Outbox) run(ctx context.Context) {
	defer o.done.Done()
	slots := make(chan struct{}, o.opts.Workers)
	tick := time.NewTicker(o.opts.PollInterval)
	defer tick.Stop()
	for {
		o.pruneIfDue(ctx)
		if err := o.dispatchPending(ctx); err != nil && ctx.Err() == nil {
			o.logger.Error("outbox: dispatch failed", "err", err)
		}
		jobs, err := o.claim(ctx, cap(slots)-len(slots))
		if err != nil && ctx.Err() == nil {
			o.logger.Error("outbox: cannot claim deliveries", "err", err)
		}
		for _, j := range jobs {
			slots <- struct{}{}
			o.done.Add(1)
			go func() {
				defer func() { <-slots; o.done.Done(); o.poke() }()
				o.send(j)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-tick.C:
		}
	}
}

// claim marks up to n due jobs as sending and returns them. A due grouped
// delivery takes every pending delivery of its group and target along, so
// they go out as one message. Due means pending and past its time, or
// sending under a claim that expired (its replica died mid-send).
//
// On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED: replicas
// claiming at once each get other rows instead of waiting or taking the
// same ones, and a row is marked only if it is still claimable when the
// update runs. The claim token is written with the row; the result of the
// send is recorded only under it, so a replica whose claim was taken over
// cannot overwrite the new claimant's result.
func (o *Outbox) claim(ctx context.Context, n int) ([]*job, error) {
	if n <= 0 {
		return nil, nil
	}
	now := o.now().UnixMilli()
	lock, lockD := "", ""
	if o.shared {
		lock, lockD = " FOR UPDATE SKIP LOCKED", " FOR UPDATE OF d SKIP LOCKED"
	}
	due := `((d.state=? AND d.next_at<=?) OR (d.state=? AND d.claim_until<?))`
	dueArgs := []any{StatePending, now, StateSending, now}
	tx, err := database.Begin(ctx, o.db)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.tenant_id, d.target, d.group_key FROM outbox_deliveries d
		WHERE `+due+` ORDER BY d.next_at, d.id LIMIT ?`+lock, append(dueArgs, n*4)...)
	if err != nil {
		return nil, err
	}
	type head struct {
		id                    int64
		tenant, target, group string
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.id, &h.tenant, &h.target, &h.group); err != nil {
			rows.Close()
			return nil, err
		}
		heads = append(heads, h)
	}
	rows.Close()
	token := fmt.Sprintf("%s:%d:%d", o.opts.Replica, now, o.claims.Add(1))
	until := now + o.claimTTL().Milliseconds()
	var jobs []*job
	for _, h := range heads {
		if len(jobs) == n {
			break
		}
		q, args := `WHERE d.id=? AND `+due, append([]any{h.id}, dueArgs...)
		if h.group != "" {
			// Only the members that are due: those that followed the
			// group's first notification wait for its window to close.
			q, args = `WHERE d.tenant_id=? AND d.target=? AND d.group_key=? AND `+due, append([]any{h.tenant, h.target, h.group}, dueArgs...)
		}
		j, err := loadJob(ctx, tx, q+` ORDER BY d.id LIMIT 100`+lockD, args)
		if err != nil {
			return nil, err
		}
		j.claim = token
		claimed := j.ids[:0:0]
		var parts []part
		for i, id := range j.ids {
			res, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET state=?, claim=?, claim_until=?, updated_at=?
				WHERE id=? AND ((state=? AND next_at<=?) OR (state=? AND claim_until<?))`,
				append([]any{StateSending, token, until, now, id}, dueArgs...)...)
			if err != nil {
				return nil, err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				claimed, parts = append(claimed, id), append(parts, j.parts[i])
			}
		}
		if len(claimed) == 0 { // taken along by an earlier group in this pass, or by another replica
			continue
		}
		j.ids, j.parts = claimed, parts
		jobs = append(jobs, j)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	o.queued.Add(float64(len(jobs)))
	return jobs, nil
}

// claimTTL is how long a claim lasts: past one attempt's bound, so a live
// sender always records its result before anyone may claim again.
func (o *Outbox) claimTTL() time.Duration { return 2*o.opts.Timeout + 5*time.Second }

func loadJob(ctx context.Context, tx *sql.Tx, where string, args []any) (*job, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.tenant_id, d.target, d.step, d.attempts, m.key, m.ref, m.message
		FROM outbox_deliveries d JOIN outbox_messages m ON m.id=d.message_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	j := &job{}
	for rows.Next() {
		var id int64
		var p part
		var raw string
		if err := rows.Scan(&id, &j.tenant, &j.target, &p.step, &p.attempts, &p.key, &p.ref, &raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &p.msg); err != nil {
			return nil, fmt.Errorf("outbox: stored message %q: %w", p.key, err)
		}
		j.ids = append(j.ids, id)
		j.parts = append(j.parts, p)
	}
	return j, rows.Err()
}

// send makes one attempt of j and records the result. It runs on a context
// of its own, so Stop lets it finish instead of failing it half-way.
func (o *Outbox) send(j *job) {
	defer o.queued.Dec()
	ctx, cancel := context.WithTimeout(context.Background(), o.opts.Timeout)
	defer cancel()
	err := o.attempt(ctx, j)
	attempts := 0
	for _, p := range j.parts {
		attempts = max(attempts, p.attempts+1)
	}
	now := o.now()
	state, next, lastErr, result := StateDelivered, now, "", "delivered"
	switch {
	case err == nil:
	case notify.IsPermanent(err) || attempts >= o.opts.MaxAttempts:
		state, lastErr, result = StateDead, err.Error(), "dead"
	default:
		state, lastErr, result = StatePending, err.Error(), "retry"
		next = now.Add(o.backoff(attempts, err))
	}
	o.sent.WithLabelValues(result).Inc()
	if err != nil {
		// The channels' errors name URLs by scheme and host only.
		o.logger.Warn("outbox: delivery failed", "tenant", j.tenant, "target", j.target, "key", j.parts[0].key,
			"attempt", attempts, "state", state, "err", err)
	}
	for _, id := range j.ids {
		var delivered sql.NullInt64
		if state == StateDelivered {
			delivered = sql.NullInt64{Int64: now.UnixMilli(), Valid: true}
		}
		// Under the claim only: if it expired and another replica claimed
		// the delivery again, that replica's result is the one that counts.
		_, dbErr := database.Writer(o.db).ExecContext(context.Background(), `UPDATE outbox_deliveries SET state=?, attempts=attempts+1, next_at=?, last_error=?, updated_at=?, delivered_at=?, claim='', claim_until=0
			WHERE id=? AND state=? AND claim=?`,
			state, next.UnixMilli(), lastErr, now.UnixMilli(), delivered, id, StateSending, j.claim)
		if dbErr != nil {
			// Left as sending: sent again once its claim expires (SQLite: at the next start).
			o.logger.Error("outbox: cannot record delivery result", "id", id, "err", dbErr)
		}
	}
}

func (o *Outbox) attempt(ctx context.Context, j *job) error {
	if j.target == noRoute {
		return notify.Permanent(fmt.Errorf("no route"))
	}
	dest, err := o.resolve(ctx, j.tenant, j.target)
	if err != nil {
		return err
	}
	m := combine(j.parts, dest.Language)
	if dest.Language != "" {
		m.Language = dest.Language
	}
	if dest.TimeZone != "" {
		m.TimeZone = dest.TimeZone
	}
	// Only a notice people must act on carries the link, and only when it
	// is about one thing: a group has no single ref to acknowledge.
	if p := j.parts[0]; o.opts.AckLink != nil && len(j.parts) == 1 && p.ref != "" && opens(p.msg) {
		m.AckURL = o.opts.AckLink(j.tenant, p.ref, p.step)
	}
	return dest.Channel.Send(ctx, m)
}
