package flowlog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/flowlog"
)

// nic is one NIC behind an NSG, whose flow log records reach the blob lag
// after their minute.
type nic struct {
	mac     string
	lag     time.Duration
	traffic func(m time.Time) traffic
	last    time.Time // the last minute appended
}

// sim is Azure writing an NSG's flow logs minute by minute.
type sim struct {
	e    *env
	id   string
	nics []*nic
}

// upTo appends every record whose time has come by now.
func (s *sim) upTo(now time.Time) {
	for _, n := range s.nics {
		for m := n.last.Add(time.Minute); !m.Add(n.lag).After(now); m = m.Add(time.Minute) {
			s.e.blobs.Append(saName, flowlog.NSGContainer, nsgBlob(s.id, n.mac, m), nsgRecord(s.id, n.mac, m, n.traffic(m)))
			n.last = m
		}
	}
}

// TestFlowCountsOverRestart records an NSG's series over a restart: two
// NICs, one appending each minute's record a minute late, the other three
// minutes late (the first pull finds the second's last minutes missing),
// four pulls, the server stopped for 20 minutes while Azure keeps
// appending to the hour's blobs, then a new poller on the same database
// and TSDB. Every minute from the first pull's window to the delay's edge
// is stored once, the denied flows of each minute exact, the counters
// carrying on over the restart (no flow counted twice, none skipped), and
// the blobs were read by ranges from where the last read stopped.
func TestFlowCountsOverRestart(t *testing.T) {
	e := newEnv(t)
	acc := e.azureAccount("acme")
	id := e.nsg("acme", acc, "nsg-web", map[string]string{
		flowlog.LabelStorage: "/subscriptions/" + subID + "/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/" + saName})
	history := e.clock.Now().Truncate(time.Minute).Add(-90 * time.Minute)
	s := &sim{e: e, id: id, nics: []*nic{
		{mac: "000D3AF87856", lag: time.Minute, last: history, traffic: func(m time.Time) traffic { return traffic{denied: m.Minute() % 4, bytes: int64(1000 + m.Minute())} }},
		{mac: "000D3AF8801A", lag: 3 * time.Minute, last: history, traffic: func(m time.Time) traffic { return traffic{denied: 1, bytes: 500} }},
	}}
	s.upTo(e.clock.Now())
	start := e.clock.Now().Add(-flowlog.DefaultDelay).Truncate(time.Minute).Add(-10 * time.Minute)

	p := e.poller()
	var last time.Time
	for range 4 {
		e.cycle(p)
		last = e.clock.Now()
		e.clock.Advance(time.Minute)
		s.upTo(e.clock.Now())
	}
	e.closeTSDB()
	e.clock.Advance(20 * time.Minute)
	s.upTo(e.clock.Now())
	e.openTSDB()
	p = e.poller() // a new process: nothing in memory
	for range 2 {
		e.cycle(p)
		last = e.clock.Now()
		e.clock.Advance(time.Minute)
		s.upTo(e.clock.Now())
	}
	edge := last.Add(-flowlog.DefaultDelay).Truncate(time.Minute)

	var denied, deniedTotal, allowedTotal, bytesTotal []point
	var dt, at, bt float64
	for m := start; m.Before(edge); m = m.Add(time.Minute) {
		d := float64(m.Minute()%4 + 1)
		dt += d
		at += 2
		bt += float64(1000 + m.Minute() + 500)
		denied = append(denied, point{m, d})
		deniedTotal = append(deniedTotal, point{m, dt})
		allowedTotal = append(allowedTotal, point{m, at})
		bytesTotal = append(bytesTotal, point{m, bt})
	}
	if len(denied) != 35 {
		t.Fatalf("the test's window is %d minutes", len(denied))
	}
	samePoints(t, "denied flows a minute", e.stored("acme", flowlog.SeriesDenied)["host=nsg-web"], denied)
	flows := e.stored("acme", flowlog.SeriesFlows)
	samePoints(t, "denied flows counter", flows["decision=denied,direction=inbound,host=nsg-web,rule=DefaultRule_DenyAllInBound"], deniedTotal)
	samePoints(t, "allowed flows counter", flows["decision=allowed,direction=outbound,host=nsg-web,rule=UserRule_AllowHTTPSOut"], allowedTotal)
	if len(flows) != 2 {
		t.Errorf("flow counters: %v", flows)
	}
	samePoints(t, "bytes counter", e.stored("acme", flowlog.SeriesBytes)["direction=outbound,host=nsg-web"], bytesTotal)
	if d := e.duplicates(); len(d) > 0 {
		t.Fatalf("written twice: %v", d)
	}

	// Every read after the first of a blob asked only for what followed
	// the last complete record read.
	reads := map[string][]string{}
	for _, c := range e.blobs.Calls() {
		if c.Op == "get" {
			reads[c.Path] = append(reads[c.Path], c.Range)
		}
		if c.Status != 200 {
			t.Errorf("a call answered %d: %+v", c.Status, c)
		}
	}
	name := flowlog.NSGContainer + "/" + nsgBlob(id, "000D3AF87856", start)
	if r := reads[name]; len(r) < 3 || !strings.HasPrefix(r[0], "bytes=0-") {
		t.Errorf("reads of %s: %v", name, r)
	}
	for blob, rs := range reads {
		for i := 1; i < len(rs); i++ {
			if strings.HasPrefix(rs[i], "bytes=0-") {
				t.Errorf("%s read from the start again: %v", blob, rs)
			}
		}
	}
}

// TestLateRecordCountsInTheNextMinute: a record appended after its
// minute was written is counted in the next minute written, not lost.
func TestLateRecordCountsInTheNextMinute(t *testing.T) {
	e := newEnv(t)
	acc := e.azureAccount("acme")
	id := e.nsg("acme", acc, "nsg-web", map[string]string{flowlog.LabelStorage: saName})
	e.blobs.CreateContainer(saName, flowlog.NSGContainer)
	p := e.poller()
	e.cycle(p) // the first pull: no records yet, the empty minutes written
	edge := e.clock.Now().Add(-flowlog.DefaultDelay).Truncate(time.Minute)
	old := edge.Add(-3 * time.Minute) // written already
	e.blobs.Append(saName, flowlog.NSGContainer, nsgBlob(id, "000D3AF87856", old), nsgRecord(id, "000D3AF87856", old, traffic{denied: 7, bytes: 10}))
	e.clock.Advance(time.Minute)
	e.cycle(p)
	got := e.stored("acme", flowlog.SeriesDenied)["host=nsg-web"]
	if n := len(got); n != 11 || got[n-1] != (point{edge, 7}) || got[n-2].V != 0 || got[n-4] != (point{old, 0}) {
		t.Fatalf("denied a minute: %v", got)
	}
	if c := e.stored("acme", flowlog.SeriesFlows)["decision=denied,direction=inbound,host=nsg-web,rule=DefaultRule_DenyAllInBound"]; len(c) != 1 || c[0] != (point{edge, 7}) {
		t.Fatalf("denied counter: %v", c)
	}
}

// TestVNetFlowLogAndTenancy reads a VNet flow log for the NSG labelled
// with it; an NSG without a storage account label is not read; beta's
// NSG naming acme's account reaches nothing (the account is looked up in
// beta), and acme's series stay in acme. A storage account that refuses
// the principal (no Storage Blob Data Reader) writes nothing, and once
// the role is granted the pull starts where it would have.
func TestVNetFlowLogAndTenancy(t *testing.T) {
	e := newEnv(t)
	acc := e.azureAccount("acme")
	flowLogID := "/subscriptions/" + subID + "/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_japaneast/flowLogs/vnet-hub"
	e.nsg("acme", acc, "nsg-hub", map[string]string{flowlog.LabelStorage: saName, flowlog.LabelVNetFlowLog: flowLogID})
	e.nsg("acme", acc, "nsg-nolog", nil)
	e.nsg("beta", acc, "nsg-stolen", map[string]string{flowlog.LabelStorage: saName})
	ctx := context.Background()
	nsgs, err := flowlog.TargetsIn(e.objects)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nsgs) != 2 || nsgs[0].Name != "nsg-hub" || nsgs[0].FlowLog != flowLogID || nsgs[1].Tenant != "beta" {
		t.Fatalf("targets: %+v", nsgs)
	}
	now := e.clock.Now()
	m := now.Add(-7 * time.Minute).Truncate(time.Minute)
	blob := "flowLogResourceID=" + strings.ToUpper(flowLogID) + "/" + hourPath(m) + "/macAddress=112233445566/PT1H.json"
	rec := fmt.Sprintf(`{"time":"%s","flowLogVersion":4,"flowLogGUID":"66aa66aa-bb77-cc88-dd99-00ee00ee00ee","macAddress":"112233445566","category":"FlowLogFlowEvent","flowLogResourceID":"%s","targetResourceID":"/subscriptions/%s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub","operationName":"FlowLogFlowEvent","flowRecords":{"flows":[{"aclID":"00aa00aa-bb11-cc22-dd33-44ee44ee44ee","flowGroups":[{"rule":"DefaultRule_AllowInternetOutBound","flowTuples":["%d,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0","%d,10.0.0.6,192.0.2.180,23956,443,6,O,E,NX,3,767,2,1580"]},{"rule":"UserRule_DenySSH","flowTuples":["%d,198.51.100.20,10.0.0.6,44172,22,6,I,D,NX,0,0,0,0","%d,198.51.100.21,10.0.0.6,44173,22,6,I,D,NX,0,0,0,0"]}]}]}}`,
		m.Add(58*time.Second).Format(time.RFC3339Nano), strings.ToUpper(flowLogID), subID, m.UnixMilli()+100, m.UnixMilli()+900, m.UnixMilli()+1500, m.UnixMilli()+59_999)
	e.blobs.Append(saName, flowlog.VNetContainer, blob, rec)

	e.blobs.Deny(saName)
	p := e.poller()
	e.cycle(p)
	if got := e.stored("acme", flowlog.SeriesDenied); len(got) != 0 {
		t.Fatalf("written without the data role: %v", got)
	}
	e.blobs.Allow(saName)
	p = e.poller()
	e.cycle(p)
	edge := now.Add(-flowlog.DefaultDelay).Truncate(time.Minute)
	denied := e.stored("acme", flowlog.SeriesDenied)["host=nsg-hub"]
	if len(denied) != 10 || denied[0].T != edge.Add(-10*time.Minute) || denied[8] != (point{m, 2}) || denied[7].V != 0 || denied[9].V != 0 {
		t.Fatalf("denied a minute: %v", denied)
	}
	flows := e.stored("acme", flowlog.SeriesFlows)
	if c := flows["decision=denied,direction=inbound,host=nsg-hub,rule=UserRule_DenySSH"]; len(c) != 2 || c[0] != (point{m, 2}) || c[1] != (point{m.Add(time.Minute), 2}) {
		t.Errorf("denied counter: %v", c)
	}
	if c := flows["decision=allowed,direction=outbound,host=nsg-hub,rule=DefaultRule_AllowInternetOutBound"]; len(c) != 2 || c[1].V != 1 {
		t.Errorf("allowed counter: %v", c)
	}
	if b := e.stored("acme", flowlog.SeriesBytes)["direction=outbound,host=nsg-hub"]; len(b) != 2 || b[1].V != 767+1580 {
		t.Errorf("bytes: %v", b)
	}
	if got := e.stored("beta", flowlog.SeriesDenied); len(got) != 0 {
		t.Errorf("beta's NSG naming acme's account got %v", got)
	}
}
