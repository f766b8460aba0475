package facts

import (
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// machineID is Windows' MachineGuid, set at installation (sysprep renews it).
func machineID() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Cryptography`, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, _, _ := k.GetStringValue("MachineGuid")
	return v
}

// osVersion is the product name and build: "Windows Server 2022 Datacenter 10.0.20348".
func osVersion() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	name, _, _ := k.GetStringValue("ProductName")
	build, _, _ := k.GetStringValue("CurrentBuildNumber")
	major, _, err1 := k.GetIntegerValue("CurrentMajorVersionNumber")
	minor, _, err2 := k.GetIntegerValue("CurrentMinorVersionNumber")
	if err1 != nil || err2 != nil {
		return name
	}
	return fmt.Sprintf("%s %d.%d.%s", name, major, minor, build)
}
