package store

import (
	"context"
	"reflect"
	"testing"

	"patchbay/model"
)

func TestAccountValues(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := &model.Connector{Name: "Shop"}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		set  map[string]string
		want map[string]string
	}{
		{"none yet", nil, map[string]string{}},
		{"set two", map[string]string{"Cyclr_Auth_ApiKey": "k1", "BaseUrl": "http://a"},
			map[string]string{"Cyclr_Auth_ApiKey": "k1", "BaseUrl": "http://a"}},
		{"merge: change one, add one", map[string]string{"BaseUrl": "http://b", "Subdomain": "acme"},
			map[string]string{"Cyclr_Auth_ApiKey": "k1", "BaseUrl": "http://b", "Subdomain": "acme"}},
		{"empty value deletes", map[string]string{"Cyclr_Auth_ApiKey": "", "Missing": ""},
			map[string]string{"BaseUrl": "http://b", "Subdomain": "acme"}},
		{"empty map changes nothing", map[string]string{},
			map[string]string{"BaseUrl": "http://b", "Subdomain": "acme"}},
	}
	for _, s := range steps {
		if err := db.SetAccountValues(ctx, "Shop", s.set); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := db.AccountValues(ctx, "Shop")
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Errorf("%s: got %v, want %v", s.name, got, s.want)
		}
	}

	// Saving or renaming the connector keeps its values.
	c.Name = "Shop 2"
	c.Description = "renamed"
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AccountValues(ctx, "Shop 2"); err != nil || got["Subdomain"] != "acme" {
		t.Errorf("after rename: got %v, %v", got, err)
	}

	// A bad key refuses the whole set.
	err := db.SetAccountValues(ctx, "Shop 2", map[string]string{"Good": "1", "": "2"})
	wantCode(t, err, model.EInvalid)
	if got, _ := db.AccountValues(ctx, "Shop 2"); got["Good"] != "" {
		t.Errorf("part of a refused set was applied: %v", got)
	}

	_, err = db.AccountValues(ctx, "Nobody")
	wantCode(t, err, model.ENotFound)
	wantCode(t, db.SetAccountValues(ctx, "Nobody", map[string]string{"a": "b"}), model.ENotFound)
}

// Values a run learnt go to its connector by ID, under the name it has now;
// a connector deleted meanwhile says so, and nothing is written.
func TestKeepAccountValues(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := &model.Connector{Name: "Shop"}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Name = "Shop v2"
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	name, err := db.KeepAccountValues(ctx, c.ID, map[string]string{"K": "v"})
	if got, _ := db.AccountValues(ctx, "Shop v2"); err != nil || name != "Shop v2" || got["K"] != "v" {
		t.Errorf("kept under %q (%v): %v", name, err, got)
	}
	_, err = db.KeepAccountValues(ctx, c.ID+1, map[string]string{"K": "w"})
	wantCode(t, err, model.ENotFound)
}
