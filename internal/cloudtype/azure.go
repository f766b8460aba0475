package cloudtype

// The Azure types. The cloud templates work fills in the rest of the
// seeds' services; these are the ones the contract is written around.
func init() {
	Types = append(Types,
		Type{Provider: Azure, Name: "Microsoft.Network/loadBalancers", Short: "lb", Kind: "load_balancer", Template: "azure-load-balancer",
			Namespace: "Microsoft.Network/loadBalancers", Metrics: []Metric{
				{Name: "VipAvailability", Aggregation: "Average", Series: "azure_lb_data_path_availability_percent", Unit: "percent"},
				{Name: "DipAvailability", Aggregation: "Average", Series: "azure_lb_health_probe_status_percent", Unit: "percent"},
			}},
		Type{Provider: Azure, Name: "Microsoft.Network/virtualNetworkGateways", Short: "vpn_gateway", Kind: "network", Template: "azure-vpn-gateway",
			Namespace: "Microsoft.Network/virtualNetworkGateways", Metrics: []Metric{
				{Name: "TunnelAverageBandwidth", Aggregation: "Average", Series: "azure_vpn_gateway_tunnel_bandwidth_bytes_per_second", Unit: "bytes_per_second", Split: []string{"ConnectionName"}},
			}},
		Type{Provider: Azure, Name: "Microsoft.Sql/servers/databases", Short: "sql_database", Kind: "database", Template: "azure-sql-database",
			Namespace: "Microsoft.Sql/servers/databases", Metrics: []Metric{
				{Name: "dtu_consumption_percent", Aggregation: "Average", Series: "azure_sql_database_dtu_consumption_percent", Unit: "percent"},
			}},
	)
}
