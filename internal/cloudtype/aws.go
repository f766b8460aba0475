package cloudtype

// The AWS types; the cloud templates work fills in the rest.
func init() {
	Types = append(Types,
		Type{Provider: AWS, Name: "elasticloadbalancing:loadbalancer/app", Short: "alb", Kind: "load_balancer", Template: "aws-alb",
			Namespace: "AWS/ApplicationELB", Dimension: "LoadBalancer", Metrics: []Metric{
				{Name: "HTTPCode_ELB_5XX_Count", Aggregation: "Sum", Series: "aws_alb_httpcode_elb_5xx_count", Unit: "count"},
			}},
	)
}
