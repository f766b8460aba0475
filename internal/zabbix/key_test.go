package zabbix

import (
	"slices"
	"testing"
)

func TestParseKey(t *testing.T) {
	f := func(in, name string, params ...string) {
		t.Helper()
		k, err := ParseKey(in)
		if err != nil || k.Name != name || !slices.Equal(k.Params, params) {
			t.Errorf("%s: %+v %v, want %s %q", in, k, err, name, params)
		}
	}
	f("system.cpu.util", "system.cpu.util")
	f("vfs.fs.size[/,pused]", "vfs.fs.size", "/", "pused")
	f("system.cpu.util[,idle]", "system.cpu.util", "", "idle")
	f(`proc.num["java",,, "org.apache.catalina"]`, "proc.num", "java", "", "", "org.apache.catalina")
	f(`perf_counter["\Processor(_Total)\% Processor Time"]`, "perf_counter", `\Processor(_Total)\% Processor Time`)
	f(`web.page.regexp[localhost,server-status?auto,80,"Total \"Accesses\": ([0-9]+)",,\1]`, "web.page.regexp",
		"localhost", "server-status?auto", "80", `Total "Accesses": ([0-9]+)`, "", `\1`)
	f("net.if.in[eth0]", "net.if.in", "eth0")
	f("key[a,[b,c],d]", "key", "a", "[b,c]", "d")
	f("key[]", "key", "")
	for _, bad := range []string{"", "[x]", "key[a", `key["a]`, "key[a]b", "ke y", "key[a[b]]"} {
		if k, err := ParseKey(bad); err == nil {
			t.Errorf("%q parsed as %+v", bad, k)
		}
	}
}

func TestSeriesOf(t *testing.T) {
	f := func(key, want, selector string) {
		t.Helper()
		k, err := ParseKey(key)
		if err != nil {
			t.Fatal(err)
		}
		s := SeriesOf(k)
		got := s.Name
		for _, l := range s.Labels {
			got += " " + l[0] + "=" + l[1]
		}
		if got != want || s.Selector() != selector {
			t.Errorf("%s: %q %s, want %q %s", key, got, s.Selector(), want, selector)
		}
	}
	f("system.cpu.util", "zabbix_system_cpu_util key=system.cpu.util", `zabbix_system_cpu_util{key="system.cpu.util"}`)
	f("vm.memory.size[available]", "zabbix_vm_memory_size mode=available key=vm.memory.size[available]", `zabbix_vm_memory_size{key="vm.memory.size[available]"}`)
	f("vfs.fs.size[/,pused]", "zabbix_vfs_fs_size fs=/ mode=pused key=vfs.fs.size[/,pused]", `zabbix_vfs_fs_size{key="vfs.fs.size[/,pused]"}`)
	f("net.if.in[eth0]", "zabbix_net_if_in interface=eth0 key=net.if.in[eth0]", `zabbix_net_if_in{key="net.if.in[eth0]"}`)
	f("system.cpu.util[,iowait]", "zabbix_system_cpu_util type=iowait key=system.cpu.util[,iowait]", `zabbix_system_cpu_util{key="system.cpu.util[,iowait]"}`)
	f(`proc.num[httpd,apache]`, "zabbix_proc_num name=httpd user=apache key=proc.num[httpd,apache]", `zabbix_proc_num{key="proc.num[httpd,apache]"}`)
	f(`custom.key-x[a,b]`, "zabbix_custom_key_x p1=a p2=b key=custom.key-x[a,b]", `zabbix_custom_key_x{key="custom.key-x[a,b]"}`)
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"vfs.fs.size[/,pused]", `proc.num["a\"b",,x]`, "key[a,[b,c],d]", "system.cpu.util"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		again, err := ParseKey(k.String())
		if err != nil || again.Name != k.Name || !slices.Equal(again.Params, k.Params) {
			t.Fatalf("%q → %q → %+v %v", s, k.String(), again, err)
		}
	})
}
