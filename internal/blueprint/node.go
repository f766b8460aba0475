package blueprint

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Position is where a node of a file starts.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// maxNodes bounds what one file may expand to (aliases included), so that
// a hostile file cannot make the loader build a billion nodes; a customer
// of 1,000 hosts is about 10,000. maxAliased bounds what its aliases may
// add (a label set repeated for 1,000 hosts is 3,000): an alias is refused
// before it is expanded when what it names would pass it, so that a file
// that repeats too much costs little more than its size to refuse.
const (
	maxNodes   = 50000
	maxAliased = 10000
)

// tree turns YAML nodes into plain values (map[string]any, []any, string,
// int, float64, bool, nil) and remembers the position of each path.
type tree struct {
	file  string
	pos   map[string]Position // path → the value's node
	keys  map[string]Position // path → the key's node, for fields not wanted
	nodes int
	probs []Problem
	open  map[*yaml.Node]bool // the nodes being converted: an alias to one contains itself
	sizes map[*yaml.Node]int  // how many nodes a node expands to, aliases included
	over  bool                // past a bound: nothing more is converted
	// aliased counts the nodes the outermost aliases added; inAlias, the
	// aliases being expanded (those inside one are counted with it).
	aliased, inAlias int
}

func (t *tree) at(n *yaml.Node) Position {
	if n.Line == 0 { // an empty document: its start
		return Position{t.file, 1, 1}
	}
	return Position{t.file, n.Line, n.Column}
}

func (t *tree) fail(n *yaml.Node, path, reason string) {
	t.probs = append(t.probs, Problem{Position: t.at(n), Field: path, Reason: reason})
}

// value converts n, found at path.
func (t *tree) value(n *yaml.Node, path string, depth int) any {
	if t.over {
		return nil
	}
	t.nodes++
	if t.nodes > maxNodes || depth > 64 || n.Kind == yaml.AliasNode && t.inAlias == 0 && !t.open[n.Alias] && t.aliased+t.size(n.Alias, 0) > maxAliased {
		t.over = true
		t.fail(n, path, "the file nests or repeats too much")
		return nil
	}
	if _, seen := t.pos[path]; !seen {
		t.pos[path] = t.at(n)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return t.value(n.Content[0], path, depth+1)
	case yaml.AliasNode:
		if t.open[n.Alias] {
			t.fail(n, path, "the alias *"+n.Value+" contains itself")
			return nil
		}
		if t.inAlias == 0 {
			t.aliased += t.size(n.Alias, 0)
		}
		t.inAlias++
		defer func() { t.inAlias-- }()
		return t.value(n.Alias, path, depth+1)
	case yaml.MappingNode:
		t.open[n] = true
		defer delete(t.open, n)
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				t.fail(k, path, "keys must be plain names")
				continue
			}
			p := join(path, k.Value)
			if _, dup := m[k.Value]; dup {
				t.fail(k, p, "is given twice")
				continue
			}
			t.keys[p] = t.at(k)
			m[k.Value] = t.value(v, p, depth+1)
		}
		return m
	case yaml.SequenceNode:
		t.open[n] = true
		defer delete(t.open, n)
		list := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			list = append(list, t.value(e, fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
		return list
	case yaml.ScalarNode:
		return t.scalar(n, path)
	}
	return nil
}

// size returns how many nodes n expands to, aliases included, at most
// maxNodes+1: each node of the file is counted once, what an alias names
// being remembered. An alias to a node that contains it counts as one
// (value refuses it).
func (t *tree) size(n *yaml.Node, depth int) int {
	if s, ok := t.sizes[n]; ok {
		return s
	}
	if depth > 64 {
		return maxNodes + 1
	}
	t.sizes[n] = 1 // while open: an alias back to n counts one
	total := 1
	if n.Kind == yaml.AliasNode {
		total += t.size(n.Alias, depth+1)
	}
	for _, c := range n.Content {
		total = min(total+t.size(c, depth+1), maxNodes+1)
	}
	total = min(total, maxNodes+1)
	t.sizes[n] = total
	return total
}

func (t *tree) scalar(n *yaml.Node, path string) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			t.fail(n, path, err.Error())
			return nil
		}
		if u, ok := v.(uint64); ok { // beyond int64
			return float64(u)
		}
		if i, ok := v.(int64); ok {
			return int(i)
		}
		return v
	case "!!str", "!!timestamp", "!!binary":
		return n.Value
	}
	t.fail(n, path, fmt.Sprintf("the tag %s is not understood here", n.Tag))
	return nil
}

// where returns the position of path, or of its nearest parent known; key
// prefers the key's node (for a field that should not be there).
func (t *tree) where(path string, key bool) (Position, bool) {
	for {
		if key {
			if p, ok := t.keys[path]; ok {
				return p, true
			}
		}
		if p, ok := t.pos[path]; ok {
			return p, true
		}
		if path == "" {
			return Position{File: t.file, Line: 1, Col: 1}, false
		}
		path = parent(path)
	}
}

// parent drops the last element of a path: a.b[2].c → a.b[2] → a.b → a → "".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// parse reads one YAML file of data into a tree; a syntax error is its
// only problem.
func parse(name string, data []byte) (*tree, any) {
	t := &tree{file: name, pos: map[string]Position{}, keys: map[string]Position{}, open: map[*yaml.Node]bool{}, sizes: map[*yaml.Node]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		msg := err.Error()
		if _, err := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &line); err == nil {
			msg = msg[strings.Index(msg, ":")+1:]
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		t.probs = append(t.probs, Problem{Position: Position{name, line, 1}, Reason: "not valid YAML: " + msg})
		return t, nil
	}
	return t, t.value(&doc, "", 0)
}
