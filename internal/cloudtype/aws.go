package cloudtype

import "time"

// The AWS types, network first. Metric names, statistics and dimensions
// are CloudWatch's (docs.aws.amazon.com, "CloudWatch metrics for ...").
// Split names a dimension besides the resource's own (TargetGroup on a
// load balancer, TunnelIpAddress on a VPN connection).
func init() {
	Types = append(Types,
		Type{Provider: AWS, Name: "elasticloadbalancing:loadbalancer/app", Short: "alb", Kind: "load_balancer", Template: "aws-alb",
			Namespace: "AWS/ApplicationELB", Dimension: "LoadBalancer", Metrics: []Metric{
				{Name: "HTTPCode_ELB_5XX_Count", Aggregation: "Sum", Series: "aws_alb_httpcode_elb_5xx_count", Unit: "count"},
				{Name: "HTTPCode_Target_5XX_Count", Aggregation: "Sum", Series: "aws_alb_httpcode_target_5xx_count", Unit: "count"},
				{Name: "RequestCount", Aggregation: "Sum", Series: "aws_alb_request_count", Unit: "count"},
				{Name: "TargetResponseTime", Aggregation: "Average", Series: "aws_alb_target_response_time_seconds", Unit: "seconds"},
				{Name: "UnHealthyHostCount", Aggregation: "Maximum", Series: "aws_alb_unhealthy_host_count", Unit: "count", Split: []string{"TargetGroup"}},
				{Name: "HealthyHostCount", Aggregation: "Minimum", Series: "aws_alb_healthy_host_count", Unit: "count", Split: []string{"TargetGroup"}},
			}},
		Type{Provider: AWS, Name: "elasticloadbalancing:loadbalancer/net", Short: "nlb", Kind: "load_balancer", Template: "aws-nlb",
			Namespace: "AWS/NetworkELB", Dimension: "LoadBalancer", Metrics: []Metric{
				{Name: "UnHealthyHostCount", Aggregation: "Maximum", Series: "aws_nlb_unhealthy_host_count", Unit: "count", Split: []string{"TargetGroup"}},
				{Name: "HealthyHostCount", Aggregation: "Minimum", Series: "aws_nlb_healthy_host_count", Unit: "count", Split: []string{"TargetGroup"}},
				{Name: "TCP_Target_Reset_Count", Aggregation: "Sum", Series: "aws_nlb_tcp_target_reset_count", Unit: "count"},
				{Name: "ActiveFlowCount", Aggregation: "Average", Series: "aws_nlb_active_flow_count", Unit: "count"},
				{Name: "ProcessedBytes", Aggregation: "Sum", Series: "aws_nlb_processed_bytes", Unit: "bytes"},
			}},
		// A Site-to-Site VPN connection has two tunnels; TunnelState is 1
		// while a tunnel is up, 0 when down.
		Type{Provider: AWS, Name: "ec2:vpn-connection", Short: "vpn", Kind: "network", Template: "aws-vpn",
			Namespace: "AWS/VPN", Dimension: "VpnId", Metrics: []Metric{
				{Name: "TunnelState", Aggregation: "Minimum", Series: "aws_vpn_tunnel_state", Unit: "ratio", Split: []string{"TunnelIpAddress"}},
				{Name: "TunnelDataIn", Aggregation: "Sum", Series: "aws_vpn_tunnel_data_in_bytes", Unit: "bytes", Split: []string{"TunnelIpAddress"}},
				{Name: "TunnelDataOut", Aggregation: "Sum", Series: "aws_vpn_tunnel_data_out_bytes", Unit: "bytes", Split: []string{"TunnelIpAddress"}},
			}},
		Type{Provider: AWS, Name: "ec2:natgateway", Short: "nat", Kind: "network", Template: "aws-nat-gateway",
			Namespace: "AWS/NATGateway", Dimension: "NatGatewayId", Metrics: []Metric{
				{Name: "ErrorPortAllocation", Aggregation: "Sum", Series: "aws_nat_error_port_allocation", Unit: "count"},
				{Name: "PacketsDropCount", Aggregation: "Sum", Series: "aws_nat_packets_drop_count", Unit: "count"},
				{Name: "ActiveConnectionCount", Aggregation: "Maximum", Series: "aws_nat_active_connection_count", Unit: "count"},
			}},
		// EC2 publishes CPU every 5 minutes unless detailed monitoring is
		// on; the status checks every minute.
		Type{Provider: AWS, Name: "ec2:instance", Short: "ec2", Kind: "host", Template: "aws-ec2",
			Namespace: "AWS/EC2", Dimension: "InstanceId", Metrics: []Metric{
				{Name: "CPUUtilization", Aggregation: "Average", Series: "aws_ec2_cpu_utilization_percent", Unit: "percent", Grain: 5 * time.Minute},
				{Name: "StatusCheckFailed_System", Aggregation: "Maximum", Series: "aws_ec2_status_check_failed_system", Unit: "count"},
				{Name: "StatusCheckFailed_Instance", Aggregation: "Maximum", Series: "aws_ec2_status_check_failed_instance", Unit: "count"},
				{Name: "CPUCreditBalance", Aggregation: "Minimum", Series: "aws_ec2_cpu_credit_balance", Unit: "count", Grain: 5 * time.Minute},
			}},
		Type{Provider: AWS, Name: "rds:db", Short: "rds", Kind: "database", Template: "aws-rds",
			Namespace: "AWS/RDS", Dimension: "DBInstanceIdentifier", Metrics: []Metric{
				{Name: "CPUUtilization", Aggregation: "Average", Series: "aws_rds_cpu_utilization_percent", Unit: "percent"},
				{Name: "FreeStorageSpace", Aggregation: "Minimum", Series: "aws_rds_free_storage_space_bytes", Unit: "bytes"},
				{Name: "FreeableMemory", Aggregation: "Minimum", Series: "aws_rds_freeable_memory_bytes", Unit: "bytes"},
				{Name: "DatabaseConnections", Aggregation: "Average", Series: "aws_rds_database_connections", Unit: "count"},
				{Name: "WriteLatency", Aggregation: "Average", Series: "aws_rds_write_latency_seconds", Unit: "seconds"},
				{Name: "ReplicaLag", Aggregation: "Maximum", Series: "aws_rds_replica_lag_seconds", Unit: "seconds"},
			}},
	)
}
