package cloudtype

import "time"

// The Azure types, network first. Metric names, aggregations, dimensions
// and time grains are Azure Monitor's supported metrics lists
// (learn.microsoft.com/azure/azure-monitor/reference/supported-metrics).
func init() {
	Types = append(Types,
		Type{Provider: Azure, Name: "Microsoft.Network/loadBalancers", Short: "lb", Kind: "load_balancer", Template: "azure-load-balancer",
			Namespace: "Microsoft.Network/loadBalancers", Metrics: []Metric{
				// Azure calls the unit Count; the value is a percentage (0-100).
				{Name: "VipAvailability", Aggregation: "Average", Series: "azure_lb_data_path_availability_percent", Unit: "percent"},
				{Name: "DipAvailability", Aggregation: "Average", Series: "azure_lb_health_probe_status_percent", Unit: "percent"},
				{Name: "UsedSnatPorts", Aggregation: "Average", Series: "azure_lb_used_snat_ports", Unit: "count"},
				{Name: "AllocatedSnatPorts", Aggregation: "Average", Series: "azure_lb_allocated_snat_ports", Unit: "count"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Network/applicationGateways", Short: "app_gateway", Kind: "load_balancer", Template: "azure-application-gateway",
			Namespace: "Microsoft.Network/applicationGateways", Metrics: []Metric{
				{Name: "UnhealthyHostCount", Aggregation: "Average", Series: "azure_app_gateway_unhealthy_host_count", Unit: "count", Split: []string{"BackendSettingsPool"}},
				{Name: "HealthyHostCount", Aggregation: "Average", Series: "azure_app_gateway_healthy_host_count", Unit: "count", Split: []string{"BackendSettingsPool"}},
				{Name: "FailedRequests", Aggregation: "Total", Series: "azure_app_gateway_failed_requests", Unit: "count"},
				{Name: "ResponseStatus", Aggregation: "Total", Series: "azure_app_gateway_response_status", Unit: "count", Split: []string{"HttpStatusGroup"}},
				{Name: "ApplicationGatewayTotalTime", Aggregation: "Average", Series: "azure_app_gateway_total_time_milliseconds", Unit: "milliseconds"},
			}},
		// A VPN gateway's metrics have a 5-minute grain at the finest.
		Type{Provider: Azure, Name: "Microsoft.Network/virtualNetworkGateways", Short: "vpn_gateway", Kind: "network", Template: "azure-vpn-gateway",
			Namespace: "Microsoft.Network/virtualNetworkGateways", Metrics: []Metric{
				{Name: "TunnelAverageBandwidth", Aggregation: "Average", Series: "azure_vpn_gateway_tunnel_bandwidth_bytes_per_second", Unit: "bytes_per_second", Grain: 5 * time.Minute, Split: []string{"ConnectionName"}},
				{Name: "TunnelIngressBytes", Aggregation: "Total", Series: "azure_vpn_gateway_tunnel_ingress_bytes", Unit: "bytes", Grain: 5 * time.Minute, Split: []string{"ConnectionName"}},
				{Name: "TunnelEgressBytes", Aggregation: "Total", Series: "azure_vpn_gateway_tunnel_egress_bytes", Unit: "bytes", Grain: 5 * time.Minute, Split: []string{"ConnectionName"}},
				{Name: "AverageBandwidth", Aggregation: "Average", Series: "azure_vpn_gateway_s2s_bandwidth_bytes_per_second", Unit: "bytes_per_second", Grain: 5 * time.Minute},
				// 1 while the BGP session is up; the average over an
				// active-active gateway's two instances is 0.5 with one down.
				{Name: "BgpPeerStatus", Aggregation: "Average", Series: "azure_vpn_gateway_bgp_peer_status", Unit: "ratio", Grain: 5 * time.Minute, Split: []string{"BgpPeerAddress"}},
			}},
		Type{Provider: Azure, Name: "Microsoft.Network/expressRouteCircuits", Short: "expressroute", Kind: "network", Template: "azure-expressroute",
			Namespace: "Microsoft.Network/expressRouteCircuits", Metrics: []Metric{
				{Name: "BgpAvailability", Aggregation: "Average", Series: "azure_expressroute_bgp_availability_percent", Unit: "percent", Split: []string{"PeeringType"}},
				{Name: "ArpAvailability", Aggregation: "Average", Series: "azure_expressroute_arp_availability_percent", Unit: "percent", Split: []string{"PeeringType"}},
				{Name: "BitsInPerSecond", Aggregation: "Average", Series: "azure_expressroute_bits_in_per_second", Unit: "bits_per_second"},
				{Name: "BitsOutPerSecond", Aggregation: "Average", Series: "azure_expressroute_bits_out_per_second", Unit: "bits_per_second"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Network/natGateways", Short: "nat_gateway", Kind: "network", Template: "azure-nat-gateway",
			Namespace: "Microsoft.Network/natGateways", Metrics: []Metric{
				{Name: "SNATConnectionCount", Aggregation: "Total", Series: "azure_nat_gateway_snat_connection_count", Unit: "count", Split: []string{"ConnectionState"}},
				{Name: "TotalConnectionCount", Aggregation: "Total", Series: "azure_nat_gateway_total_connection_count", Unit: "count"},
				{Name: "PacketDropCount", Aggregation: "Total", Series: "azure_nat_gateway_dropped_packets", Unit: "count"},
				{Name: "DatapathAvailability", Aggregation: "Average", Series: "azure_nat_gateway_datapath_availability_percent", Unit: "percent"},
			}},
		// Azure Monitor has no platform metrics for network security
		// groups: rule hit counts exist only in NSG or VNet flow logs,
		// which internal/flowlog reads from the storage account Azure
		// writes them to (SourceNSGFlowLogs), for the NSGs labelled with
		// that account. The counts are stamped at each tuple's minute.
		Type{Provider: Azure, Name: "Microsoft.Network/networkSecurityGroups", Short: "nsg", Kind: "network", Template: "azure-nsg",
			Namespace: "Microsoft.Network/networkSecurityGroups",
			Note: "Azure Monitor has no platform metrics for NSGs: unyo reads the NSG's flow logs (NSG flow logs v1/v2, or VNet flow logs) from the storage account Azure writes them to, " +
				"for the NSGs labelled `flow_log_storage=<storage account>` (see cloud-metrics.md, NSG flow logs). Each minute's flows are counted at the tuples' own minute, once the minute is 5 minutes old; " +
				"the counters carry on across restarts. NSGs without the label are discovered for the inventory only.",
			Metrics: []Metric{
				// A flow counts once: its begin tuple (v2, VNet), its deny
				// tuple, or every tuple of a v1 log (which has no states).
				{Name: "flows", Source: SourceNSGFlowLogs, Series: "azure_nsg_flows_total", Unit: "count", Split: []string{"rule", "direction", "decision"}},
				// Both ways of the flows of a direction; v2 and VNet tuples only.
				{Name: "bytes", Source: SourceNSGFlowLogs, Series: "azure_nsg_flow_bytes_total", Unit: "bytes", Split: []string{"direction"}},
				{Name: "deniedFlows", Source: SourceNSGFlowLogs, Series: "azure_nsg_denied_flows", Unit: "count"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Compute/virtualMachines", Short: "vm", Kind: "host", Template: "azure-vm",
			Namespace: "Microsoft.Compute/virtualMachines", Metrics: []Metric{
				{Name: "Percentage CPU", Aggregation: "Average", Series: "azure_vm_cpu_percent", Unit: "percent"},
				{Name: "Available Memory Bytes", Aggregation: "Average", Series: "azure_vm_available_memory_bytes", Unit: "bytes"},
				// 1 while the VM is available, 0 when not; no point while it is deallocated.
				{Name: "VmAvailabilityMetric", Aggregation: "Average", Series: "azure_vm_availability", Unit: "ratio"},
				{Name: "OS Disk IOPS Consumed Percentage", Aggregation: "Average", Series: "azure_vm_os_disk_iops_consumed_percent", Unit: "percent"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Compute/virtualMachineScaleSets", Short: "vmss", Kind: "other", Template: "azure-vmss",
			Namespace: "Microsoft.Compute/virtualMachineScaleSets", Metrics: []Metric{
				{Name: "Percentage CPU", Aggregation: "Average", Series: "azure_vmss_cpu_percent", Unit: "percent"},
				{Name: "Available Memory Bytes", Aggregation: "Average", Series: "azure_vmss_available_memory_bytes", Unit: "bytes"},
				{Name: "VmAvailabilityMetric", Aggregation: "Average", Series: "azure_vmss_availability", Unit: "ratio", Split: []string{"VMName"}},
			}},
		Type{Provider: Azure, Name: "Microsoft.Sql/servers/databases", Short: "sql_database", Kind: "database", Template: "azure-sql-database",
			Namespace: "Microsoft.Sql/servers/databases", Metrics: []Metric{
				// DTU-model databases only; cpu_percent is there in both models.
				{Name: "dtu_consumption_percent", Aggregation: "Average", Series: "azure_sql_database_dtu_consumption_percent", Unit: "percent"},
				{Name: "cpu_percent", Aggregation: "Average", Series: "azure_sql_database_cpu_percent", Unit: "percent"},
				{Name: "storage_percent", Aggregation: "Maximum", Series: "azure_sql_database_storage_percent", Unit: "percent"},
				{Name: "workers_percent", Aggregation: "Average", Series: "azure_sql_database_workers_percent", Unit: "percent"},
				{Name: "deadlock", Aggregation: "Total", Series: "azure_sql_database_deadlocks", Unit: "count"},
				{Name: "connection_failed", Aggregation: "Total", Series: "azure_sql_database_connection_failed", Unit: "count"},
			}},
		Type{Provider: Azure, Name: "Microsoft.DocumentDB/databaseAccounts", Short: "cosmos", Kind: "database", Template: "azure-cosmos-db",
			Namespace: "Microsoft.DocumentDB/databaseAccounts", Metrics: []Metric{
				{Name: "NormalizedRUConsumption", Aggregation: "Maximum", Series: "azure_cosmos_normalized_ru_consumption_percent", Unit: "percent"},
				{Name: "TotalRequests", Aggregation: "Count", Series: "azure_cosmos_total_requests", Unit: "count", Split: []string{"StatusCode"}},
				// Published hourly only.
				{Name: "ServiceAvailability", Aggregation: "Average", Series: "azure_cosmos_service_availability_percent", Unit: "percent", Grain: time.Hour},
			}},
		Type{Provider: Azure, Name: "Microsoft.Web/sites", Short: "app_service", Kind: "app_service", Template: "azure-app-service",
			Namespace: "Microsoft.Web/sites", Metrics: []Metric{
				{Name: "Requests", Aggregation: "Total", Series: "azure_app_service_requests", Unit: "count"},
				{Name: "Http5xx", Aggregation: "Total", Series: "azure_app_service_http5xx", Unit: "count"},
				{Name: "HttpResponseTime", Aggregation: "Average", Series: "azure_app_service_response_time_seconds", Unit: "seconds"},
				// Only with a health check path configured on the app.
				{Name: "HealthCheckStatus", Aggregation: "Average", Series: "azure_app_service_health_check_status_percent", Unit: "percent"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Web/serverFarms", Short: "app_service_plan", Kind: "app_service", Template: "azure-app-service-plan",
			Namespace: "Microsoft.Web/serverFarms", Metrics: []Metric{
				{Name: "CpuPercentage", Aggregation: "Average", Series: "azure_app_service_plan_cpu_percent", Unit: "percent"},
				{Name: "MemoryPercentage", Aggregation: "Average", Series: "azure_app_service_plan_memory_percent", Unit: "percent"},
				{Name: "HttpQueueLength", Aggregation: "Average", Series: "azure_app_service_plan_http_queue_length", Unit: "count"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Insights/components", Short: "app_insights", Kind: "web", Template: "azure-application-insights",
			Namespace: "microsoft.insights/components", Metrics: []Metric{
				{Name: "availabilityResults/availabilityPercentage", Aggregation: "Average", Series: "azure_app_insights_availability_percent", Unit: "percent", Split: []string{"availabilityResult/name"}},
				{Name: "requests/count", Aggregation: "Count", Series: "azure_app_insights_requests", Unit: "count"},
				{Name: "requests/failed", Aggregation: "Count", Series: "azure_app_insights_failed_requests", Unit: "count"},
				{Name: "exceptions/count", Aggregation: "Count", Series: "azure_app_insights_exceptions", Unit: "count"},
			}},
		// Azure Monitor publishes no platform metrics for AVD host pools:
		// these are read from Resource Manager instead (SourceAVDSessionHosts),
		// the host pool and its sessionHosts list, once a pull. Each is the
		// state at the pull, stamped at the start of the last whole grain.
		Type{Provider: Azure, Name: "Microsoft.DesktopVirtualization/hostPools", Short: "avd_host_pool", Kind: "other", Template: "azure-avd-host-pool",
			Namespace: "Microsoft.DesktopVirtualization/hostPools",
			Note: "Azure Monitor has no platform metrics for AVD host pools: at each pull unyo reads the host pool (maxSessionLimit) and its sessionHosts list (each host's status, sessions, allowNewSession, updateState; api-version 2024-04-03, every nextLink page) from Resource Manager, " +
				"and writes the counts at that moment, stamped at the start of the last whole minute. A pull costs one call for the pool and one a page of hosts; a throttled pull backs off like the metrics, and the minutes it skipped have no point (the state cannot be read back).",
			Metrics: []Metric{
				{Name: "sessionHosts", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_session_hosts_total", Unit: "count"},
				{Name: "sessionHosts/Available", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_session_hosts_available", Unit: "count"},
				// Available and allowNewSession: not in drain mode.
				{Name: "sessionHosts/accepting", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_session_hosts_accepting", Unit: "count"},
				{Name: "sessionHosts/updateFailed", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_session_hosts_update_failed", Unit: "count"},
				{Name: "sessions", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_sessions", Unit: "count"},
				// The host pool's maxSessionLimit times the accepting hosts.
				{Name: "maxSessionLimit", Source: SourceAVDSessionHosts, Series: "azure_avd_host_pool_session_capacity", Unit: "count"},
			}},
	)
}
