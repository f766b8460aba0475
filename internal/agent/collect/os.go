package collect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// ignoredDisks are partitions and pseudo devices, as node_exporter ignores
// them by default: their bytes are already counted on the whole disk.
var ignoredDisks = regexp.MustCompile(`^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`)

var cpuModes = [...]string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"}

// OS collects the host's CPU, load, memory, filesystems, disks, network,
// process count and boot time. One OS must not run concurrently with itself.
type OS struct {
	cpus            map[string]*[len(cpuModes)][]sample.Label // by gopsutil CPU name; CPUs rarely change
	fs, disks, nets labelCache

	mu    sync.Mutex
	stuck map[string]bool // mountpoints whose statfs has not returned
}

// NewOS returns an OS collector.
func NewOS() *OS {
	return &OS{cpus: map[string]*[len(cpuModes)][]sample.Label{}, stuck: map[string]bool{}}
}

// Collect returns the samples; a part that fails is left out and reported in
// the error while the rest is returned.
func (o *OS) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	ms := now.UnixMilli()
	out := make([]sample.Sample, 0, 128)
	add := func(name string, v float64, ls []sample.Label) {
		out = append(out, sample.Sample{Name: name, Labels: ls, Value: v, TimeMs: ms})
	}
	errs := []error{
		o.cpu(ctx, add), loadAvg(ctx, add), memory(ctx, add), o.filesystems(ctx, add),
		o.diskIO(ctx, add), o.network(ctx, add), procs(ctx, add), boot(ctx, now, add),
	}
	return out, errors.Join(errs...)
}

type addFunc func(name string, v float64, ls []sample.Label)

func (o *OS) cpu(ctx context.Context, add addFunc) error {
	times, err := cpu.TimesWithContext(ctx, true)
	if err != nil {
		return fmt.Errorf("cpu: %w", err)
	}
	for _, t := range times {
		sets := o.cpus[t.CPU]
		if sets == nil {
			sets = new([len(cpuModes)][]sample.Label)
			id := strings.TrimPrefix(t.CPU, "cpu")
			for i, mode := range cpuModes {
				sets[i] = sample.Labels("cpu", id, "mode", mode)
			}
			o.cpus[t.CPU] = sets
		}
		vals := [...]float64{t.User, t.Nice, t.System, t.Idle, t.Iowait, t.Irq, t.Softirq, t.Steal}
		for i := range cpuModes {
			add("node_cpu_seconds_total", vals[i], sets[i])
		}
	}
	return nil
}

func loadAvg(ctx context.Context, add addFunc) error {
	if runtime.GOOS == "windows" {
		// Windows has no load average; gopsutil fakes one with a goroutine.
		return nil
	}
	l, err := load.AvgWithContext(ctx)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	add("node_load1", l.Load1, nil)
	add("node_load5", l.Load5, nil)
	add("node_load15", l.Load15, nil)
	return nil
}

func memory(ctx context.Context, add addFunc) error {
	var errs []error
	if v, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("memory: %w", err))
	} else {
		add("node_memory_MemTotal_bytes", float64(v.Total), nil)
		add("node_memory_MemAvailable_bytes", float64(v.Available), nil)
	}
	if s, err := mem.SwapMemoryWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("swap: %w", err))
	} else {
		add("node_memory_SwapTotal_bytes", float64(s.Total), nil)
		add("node_memory_SwapFree_bytes", float64(s.Free), nil)
	}
	return errors.Join(errs...)
}

func (o *OS) filesystems(ctx context.Context, add addFunc) error {
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil {
		return fmt.Errorf("filesystems: %w", err)
	}
	var errs []error
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		if seen[p.Mountpoint] {
			continue // bind mounts show the same filesystem again
		}
		seen[p.Mountpoint] = true
		u, err := o.usage(ctx, p.Mountpoint)
		if err != nil {
			errs = append(errs, fmt.Errorf("filesystem %s: %w", p.Mountpoint, err))
			continue
		}
		ls := o.fs.get(p.Mountpoint, "device", p.Device, "fstype", p.Fstype, "mountpoint", p.Mountpoint)
		add("node_filesystem_size_bytes", float64(u.Total), ls)
		add("node_filesystem_avail_bytes", float64(u.Free), ls)
	}
	o.fs.sweep()
	return errors.Join(errs...)
}

// usage runs statfs where a hung network filesystem cannot hold up the
// collector: past the deadline the mountpoint is skipped until its call returns.
func (o *OS) usage(ctx context.Context, mountpoint string) (*disk.UsageStat, error) {
	o.mu.Lock()
	stuck := o.stuck[mountpoint]
	o.mu.Unlock()
	if stuck {
		return nil, errors.New("an earlier statfs has not returned")
	}
	type result struct {
		u   *disk.UsageStat
		err error
	}
	ch := make(chan result, 1)
	go func() {
		u, err := disk.UsageWithContext(ctx, mountpoint)
		ch <- result{u, err}
	}()
	select {
	case r := <-ch:
		return r.u, r.err
	case <-ctx.Done():
		o.mu.Lock()
		o.stuck[mountpoint] = true
		o.mu.Unlock()
		go func() {
			<-ch
			o.mu.Lock()
			delete(o.stuck, mountpoint)
			o.mu.Unlock()
		}()
		return nil, ctx.Err()
	}
}

func (o *OS) diskIO(ctx context.Context, add addFunc) error {
	counters, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		return fmt.Errorf("disk io: %w", err)
	}
	for name, c := range counters {
		if ignoredDisks.MatchString(name) {
			continue
		}
		ls := o.disks.get(name, "device", name)
		add("node_disk_read_bytes_total", float64(c.ReadBytes), ls)
		add("node_disk_written_bytes_total", float64(c.WriteBytes), ls)
	}
	o.disks.sweep()
	return nil
}

func (o *OS) network(ctx context.Context, add addFunc) error {
	counters, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	for _, c := range counters {
		ls := o.nets.get(c.Name, "device", c.Name)
		add("node_network_receive_bytes_total", float64(c.BytesRecv), ls)
		add("node_network_transmit_bytes_total", float64(c.BytesSent), ls)
		add("node_network_receive_packets_total", float64(c.PacketsRecv), ls)
		add("node_network_transmit_packets_total", float64(c.PacketsSent), ls)
		add("node_network_receive_errs_total", float64(c.Errin), ls)
		add("node_network_transmit_errs_total", float64(c.Errout), ls)
		add("node_network_receive_drop_total", float64(c.Dropin), ls)
		add("node_network_transmit_drop_total", float64(c.Dropout), ls)
	}
	o.nets.sweep()
	return nil
}

func procs(ctx context.Context, add addFunc) error {
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("processes: %w", err)
	}
	add("node_processes_pids", float64(len(pids)), nil)
	return nil
}

func boot(ctx context.Context, now time.Time, add addFunc) error {
	bt, err := host.BootTimeWithContext(ctx)
	if err != nil {
		return fmt.Errorf("boot time: %w", err)
	}
	add("node_boot_time_seconds", float64(bt), nil)
	add("node_time_seconds", float64(now.UnixNano())/1e9, nil)
	return nil
}
