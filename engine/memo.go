package engine

import (
	"sync"

	"patchbay/model"
)

// memo remembers the results of a function of a string alone, such as the
// tokens of a template or the steps of a Connector Field path, so that a
// method run again (or each run of a lifecycle) does not parse its
// Endpoint, Default Values and paths again. Errors are not remembered. When
// it holds maxMemo entries it starts again empty, so that a long session
// of edits does not keep every version. Results are shared: callers only
// read them.
type memo[T any] struct {
	mu sync.RWMutex
	m  map[string]T
	f  func(string) (T, error)
}

const maxMemo = 1 << 14

func newMemo[T any](f func(string) (T, error)) *memo[T] {
	return &memo[T]{m: map[string]T{}, f: f}
}

func (c *memo[T]) get(key string) (T, error) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := c.f(key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= maxMemo {
		clear(c.m)
	}
	c.m[key] = v
	c.mu.Unlock()
	return v, nil
}

var (
	strictTemplates  = newMemo(func(s string) ([]model.Token, error) { return model.ParseMergefields(s, true) })
	lenientTemplates = newMemo(func(s string) ([]model.Token, error) { return model.ParseMergefields(s, false) })
	fieldPaths       = newMemo(model.ParseFieldPath)
	gjsonPaths       = newMemo(GJSONPath)
)

// parseTemplate is model.ParseMergefields, remembered.
func parseTemplate(text string, strict bool) ([]model.Token, error) {
	if strict {
		return strictTemplates.get(text)
	}
	return lenientTemplates.get(text)
}
