package kube

import (
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// codecs reads and writes the only types the actuator exchanges with the
// API server: apps/v1 (Deployment, StatefulSet) and autoscaling/v1 (Scale),
// with metav1's Status that both register. client-go's typed Clientset
// would link the client of every API group and register every type of
// k8s.io/api at start; this scheme is built the first time a kubernetes
// actuator is opened, and only holds these two groups.
var codecs = sync.OnceValues(func() (serializer.CodecFactory, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, autoscalingv1.AddToScheme} {
		if err := add(s); err != nil {
			return serializer.CodecFactory{}, fmt.Errorf("kube: register the apps/v1 and autoscaling/v1 types: %w", err)
		}
	}
	return serializer.NewCodecFactory(s), nil
})

// appsClient is client-go's REST client of the apps/v1 group at rc's
// server, as the typed Clientset's AppsV1 builds it, speaking JSON.
func appsClient(rc *rest.Config) (*rest.RESTClient, error) {
	cf, err := codecs()
	if err != nil {
		return nil, err
	}
	c := rest.CopyConfig(rc)
	c.GroupVersion = &appsv1.SchemeGroupVersion
	c.APIPath = "/apis"
	c.ContentType = runtime.ContentTypeJSON
	c.NegotiatedSerializer = cf.WithoutConversion()
	client, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	return client, nil
}
