// Package awsasg scales an AWS Auto Scaling group: Apply calls
// SetDesiredCapacity, Observe DescribeAutoScalingGroups. It is the
// actuator of kind aws_asg.
package awsasg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kind is the Spec.Kind of this actuator.
const Kind = "aws_asg"

// Config is the kind's settings: the group, and its region when it is
// not the account's first.
type Config struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
}

// groupName is what AWS accepts for a group name (1 to 255 characters, no
// control characters); ARNs are refused: the region comes from Region.
var groupName = regexp.MustCompile(`^[^\x00-\x1f\x7f:]{1,255}$`)

// ParseConfig reads and checks a Spec's Config, naming the field at fault.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, invalid.New("config", "not an aws_asg configuration: %v", err)
	}
	if !groupName.MatchString(c.Name) {
		return c, invalid.New("config.name", "must be an Auto Scaling group name (1 to 255 characters, no ':')")
	}
	return c, nil
}

// Actuator is one Auto Scaling group.
type Actuator struct {
	cfg    Config
	client *autoscaling.Client
}

var _ actuator.Actuator = (*Actuator)(nil)

// New is the actuator.Constructor of aws_asg: spec.Account names an AWS
// account of tenant whose key (or assumed role) may call
// autoscaling:SetDesiredCapacity and autoscaling:DescribeAutoScalingGroups.
// config.region must be one of the account's regions.
func New(ctx context.Context, spec actuator.Spec, tenant string, deps actuator.Deps) (actuator.Actuator, error) {
	cfg, err := ParseConfig(spec.Config)
	if err != nil {
		return nil, err
	}
	acc, err := deps.Accounts.Account(ctx, tenant, spec.Account)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return nil, invalid.New("account_id", "no cloud account %d in this tenant", spec.Account)
	}
	if err != nil {
		return nil, fmt.Errorf("awsasg: %w", err)
	}
	if acc.Provider != cloudaccount.ProviderAWS {
		return nil, invalid.New("account", "account %q is %s, not aws", acc.Name, acc.Provider)
	}
	if cfg.Region == "" {
		cfg.Region = acc.AWS.Regions[0]
	} else if !slices.Contains(acc.AWS.Regions, cfg.Region) {
		return nil, invalid.New("config.region", "%q is not a region of account %q (%s)", cfg.Region, acc.Name, strings.Join(acc.AWS.Regions, ", "))
	}
	awsCfg, err := connect.ForAWS(acc.AWS, cfg.Region, deps.HTTP)
	if err != nil {
		return nil, fmt.Errorf("awsasg: %w", err)
	}
	return Open(awsCfg, cfg), nil
}

// Open returns the actuator of group cfg through awsCfg.
func Open(awsCfg aws.Config, cfg Config) *Actuator {
	return &Actuator{cfg: cfg, client: autoscaling.NewFromConfig(awsCfg)}
}

// Apply sets the group's desired capacity, ignoring its cooldown: a plan's
// step is a decision already made, not a reaction to load. AWS refuses a
// count outside the group's min and max (ValidationError).
func (a *Actuator) Apply(ctx context.Context, count int) error {
	if count < 0 {
		return invalid.New("count", "must not be negative")
	}
	_, err := a.client.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: aws.String(a.cfg.Name),
		DesiredCapacity:      aws.Int32(int32(count)),
		HonorCooldown:        aws.Bool(false),
	})
	return a.fail("set the desired capacity of", err)
}

// Observe reads the group: its desired capacity, its InService and
// Healthy instances, and their instance type (the most common one when
// they differ; the mixed instances policy's first override when none
// runs).
func (a *Actuator) Observe(ctx context.Context) (actuator.State, error) {
	out, err := a.client.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{a.cfg.Name}})
	if err != nil {
		return actuator.State{}, a.fail("describe", err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return actuator.State{}, fmt.Errorf("awsasg: no Auto Scaling group %q in %s", a.cfg.Name, a.cfg.Region)
	}
	g := out.AutoScalingGroups[0]
	st := actuator.State{Desired: int(aws.ToInt32(g.DesiredCapacity))}
	byType := map[string]int{}
	for _, in := range g.Instances {
		if in.LifecycleState == "InService" && aws.ToString(in.HealthStatus) == "Healthy" {
			st.Running++
			byType[aws.ToString(in.InstanceType)]++
		}
	}
	for t, n := range byType {
		if t != "" && (n > byType[st.Size] || n == byType[st.Size] && t < st.Size) {
			st.Size = t
		}
	}
	if st.Size == "" {
		st.Size = overrideType(g)
	}
	return st, nil
}

// overrideType is the first instance type a mixed instances policy names.
func overrideType(g types.AutoScalingGroup) string {
	if p := g.MixedInstancesPolicy; p != nil && p.LaunchTemplate != nil {
		for _, o := range p.LaunchTemplate.Overrides {
			if t := aws.ToString(o.InstanceType); t != "" {
				return t
			}
		}
	}
	return ""
}

// fail maps AWS's error codes to those the scheduler retries on.
func (a *Actuator) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	where := fmt.Sprintf("awsasg: %s group %s in %s", what, a.cfg.Name, a.cfg.Region)
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ScalingActivityInProgress", "ResourceContention":
			return fmt.Errorf("%s: %w (%s: %s)", where, actuator.ErrBusy, api.ErrorCode(), api.ErrorMessage())
		case "Throttling", "ThrottlingException", "RequestLimitExceeded":
			return fmt.Errorf("%s: %w (%s)", where, actuator.ErrThrottled, api.ErrorCode())
		}
		return fmt.Errorf("%s: %s: %s", where, api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", where, err)
}
