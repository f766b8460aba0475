package collector_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

// TestCollectorBuffersTraps: Debian's snmptrap sends the collector a
// linkDown from sw-01, a device behind it, as an inform: the collector
// answers it once the trap is a record of the buffer, addressed to the
// server's traps path with the packet and the device's host. An inform
// with another community is neither answered nor buffered.
func TestCollectorBuffersTraps(t *testing.T) {
	bin := snmptest.Need(t, "snmptrap", "snmp")
	srv := serverWith(t, "127.0.0.1:10050", false, func(ms *monitoring.Store, sw *model.Resource) {
		it := &monitoring.Item{TenantID: "acme", ResourceID: sw.ID, Name: "net", Kind: monitoring.KindSNMP,
			Interval: model.Duration(time.Hour), SNMP: &monitoring.SNMP{Address: "127.0.0.1", Version: "2c",
				Community: "dc1-secret", Interfaces: true}}
		if err := ms.CreateItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	})
	port := strconv.Itoa(snmptest.FreeUDPPort(t))
	r := start(t, srv.URL, t.TempDir(), func(o *collector.Options) { o.TrapListen = "127.0.0.1:" + port })
	if got := r.c.TrapAddr().String(); got != "127.0.0.1:"+port {
		t.Fatalf("trap listener on %s", got)
	}
	inform := func(community string, timeout string) ([]byte, error) {
		cmd := exec.Command(bin, "-M", "/dev/null", "-v", "2c", "-c", community, "-Ci", "-t", timeout, "-r", "0", "127.0.0.1:"+port, "",
			"1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.2", "i", "2")
		cmd.Env = append(cmd.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+t.TempDir())
		return cmd.CombinedOutput()
	}
	// Until the targets are pulled the device is unknown: the inform is retried until answered.
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := inform("dc1-secret", "0.5")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector never answered the inform: %v %s", err, out)
		}
	}
	rec := r.next(t, 5*time.Second, "trap record", func(rec []byte) bool { return rec[0] == sender.KindTraps })
	var f collector.ForwardedTraps
	if err := json.Unmarshal(rec[1:], &f); err != nil {
		t.Fatal(err)
	}
	if f.Collector != "dc1" || len(f.Traps) != 1 || f.Traps[0].Host != "sw-01" || f.Traps[0].Sender != "127.0.0.1" ||
		len(f.Traps[0].Packet) == 0 || time.Since(time.UnixMilli(f.Traps[0].ReceivedAt)) > time.Minute {
		t.Fatalf("trap record %+v", f)
	}
	if out, err := inform("guess", "0.3"); err == nil {
		t.Fatalf("an inform with a wrong community was answered: %s", out)
	}
	// The self series count what the listener did.
	deadline = time.Now().Add(10 * time.Second)
	for {
		acc, ok1 := r.emit.value("unyo_collector_traps_total", "outcome", "accepted")
		bad, ok2 := r.emit.value("unyo_collector_traps_total", "outcome", "bad_credentials")
		if ok1 && ok2 && acc == 1 && bad == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unyo_collector_traps_total accepted=%v bad_credentials=%v", acc, bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for range 1000 {
		seq, rec, ok, err := r.buf.Next()
		if err != nil || !ok {
			break
		}
		if rec[0] == sender.KindTraps {
			t.Fatalf("a trap with a wrong community was buffered: %s", rec[1:])
		}
		r.buf.Ack(seq)
	}
}
