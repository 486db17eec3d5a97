package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"testing"
	"time"

	"patchbay/model"
)

// crashVersion is version v of a connector large enough that a save takes a
// while: every method and field carries v, so a half-written save shows.
func crashVersion(v int) *model.Connector {
	c := &model.Connector{Name: "Crash", Description: fmt.Sprintf("version %d", v)}
	for i := range 200 {
		m := model.Method{Name: fmt.Sprintf("M%03d", i), MethodType: model.MethodAction, HttpMethod: "POST",
			DataType: model.BodyJson, Endpoint: fmt.Sprintf("https://api.example.com/v%d/m%d", v, i)}
		for j := range 10 {
			m.RequestFormat.Fields = append(m.RequestFormat.Fields, model.Field{
				ConnectorField: fmt.Sprintf("f%d", j), SystemField: fmt.Sprintf("V%dF%d", v, j), DataType: model.FieldText})
		}
		c.Methods = append(c.Methods, m)
	}
	return c
}

// saveLoop is the child process: it saves versions 1, 2, 1, 2, … of the
// connector until it is killed.
func saveLoop(path string) {
	db, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	c, err := db.LoadConnector(context.Background(), "Crash")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("saving")
	for v := 2; ; v = 3 - v {
		next := crashVersion(v)
		next.ID = c.ID
		if err := db.SaveConnector(context.Background(), next); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

func TestMain(m *testing.M) {
	if path := os.Getenv("PATCHBAY_TEST_SAVE_LOOP"); path != "" {
		saveLoop(path)
		return
	}
	os.Exit(m.Run())
}

// TestKillDuringSave SIGKILLs a process in the middle of saving a connector,
// again and again at different moments; every time, the connector that
// loads afterwards is one whole version, never a mix.
func TestKillDuringSave(t *testing.T) {
	path := t.TempDir() + "/crash.db"
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveConnector(context.Background(), crashVersion(1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	versions := []*model.Connector{crashVersion(1), crashVersion(2)}

	for round, delay := range []int{5, 20, 45, 80, 130, 200} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PATCHBAY_TEST_SAVE_LOOP="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if _, err := out.Read(buf); err != nil { // "saving": the loop has begun
			t.Fatalf("round %d: the child did not start: %v", round, err)
		}
		time.Sleep(time.Duration(delay) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		db, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: the database does not open after the kill: %v", round, err)
		}
		got, err := db.LoadConnector(context.Background(), "Crash")
		db.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got.ID = 0
		withoutMethodIDs(got)
		if !reflect.DeepEqual(got, versions[0]) && !reflect.DeepEqual(got, versions[1]) {
			t.Fatalf("round %d (killed after %d ms): the connector is neither version but %s with %d methods",
				round, delay, got.Description, len(got.Methods))
		}
		t.Logf("round %d: killed after %s ms, found %s", round, strconv.Itoa(delay), got.Description)
	}
}
