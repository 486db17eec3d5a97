package engine_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/engine"
)

// A receiver keeps 100 deliveries; an API that sends more is told 429, and
// nothing more is kept.
func TestReceiverKeepsAHundredDeliveries(t *testing.T) {
	recv, err := engine.OpenReceiver(0)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	var last int
	for range 101 {
		resp, err := http.Post(recv.URL, "application/json", strings.NewReader(`{"n": 1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if n := len(recv.Deliveries()); n != 100 || last != http.StatusTooManyRequests {
		t.Errorf("%d deliveries kept, the 101st answered %d; want 100 and 429", n, last)
	}
}

// A burst of deliveries whose bodies are still on their way when the
// receiver counts them cannot pass the count together: 100 are kept and
// the rest are told 429.
func TestReceiverCountsABurstOfDeliveries(t *testing.T) {
	recv, err := engine.OpenReceiver(0)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	const sent = 130
	statuses := make(chan int, sent)
	var bodies []*io.PipeWriter
	for range sent {
		pr, pw := io.Pipe()
		bodies = append(bodies, pw)
		go func() {
			resp, err := http.Post(recv.URL, "application/json", pr)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	// Every request has its headers in and is waiting for its body: the
	// receiver has counted each one before any body arrives.
	time.Sleep(300 * time.Millisecond)
	for _, pw := range bodies {
		go func() {
			pw.Write([]byte(`{"n": 1}`))
			pw.Close()
		}()
	}
	counts := map[int]int{}
	for range sent {
		counts[<-statuses]++
	}
	if n := len(recv.Deliveries()); n != 100 || counts[http.StatusOK] != 100 || counts[http.StatusTooManyRequests] != sent-100 {
		t.Errorf("%d deliveries kept, answers %v; want 100 kept, 100 answered 200 and %d answered 429", n, counts, sent-100)
	}
}

// A delivery that announces a body over the limit, asking first whether
// to send it (Expect: 100-continue), is told 413 at once: its body is
// never invited, never read.
func TestReceiverRefusesAnnouncedOversizedBody(t *testing.T) {
	recv, err := engine.OpenReceiver(1 << 10)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.SplitN(recv.URL, "/hooks/", 2)[0], "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	path := "/hooks/" + strings.SplitN(recv.URL, "/hooks/", 2)[1]
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\nExpect: 100-continue\r\n\r\n", path)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "413") {
		t.Errorf("the receiver answered %q (%v), want 413 before any body", status, err)
	}
	if ds := recv.Deliveries(); len(ds) != 1 || !strings.Contains(ds[0].Rejected, "larger than 1024 bytes") {
		t.Errorf("deliveries %+v, want one rejected for its size", ds)
	}
}
