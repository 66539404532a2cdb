package enginetest

import (
	"context"
	"testing"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/server"
)

// RepublishUnderLoad is the sequence import → serve → import again on a
// ClickHouse engine, with the new copy published while questions run.
// publish copies a SQLite warehouse into the engine onCH serves; opt are
// the SQLite services' options. Two
// warehouses are published over each other six times — A (Warehouse) and
// B (the public warehouse refreshed to a later default date) — while
// onCH, answer cache off, answers questions in a loop. A copy swaps its
// tables while questions read them (on a cluster, node after node), so
// every answer must be wholly A's or wholly B's, as SQLite gives them, or
// a 503 asking to come back: never a mix. After the last copy (A) every
// answer is A's.
func RepublishUnderLoad(t *testing.T, onCH *server.Service, opt executor.Options, publish func(path string) error) {
	t.Helper()
	ctx := context.Background()
	pathA := Warehouse(t)
	pathB := refreshedCopy(t, "2026-12-31")
	sqlite := func(path string) *server.Service {
		s, err := server.NewService(ctx, path, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	onA, onB := sqlite(pathA), sqlite(pathB)
	if err := publish(pathA); err != nil {
		t.Fatal(err)
	}

	limit := 20
	questions := []string{"重要价值客户有多少", "过去3个月买过口红没买过粉底液的重要价值客户", "各生命周期阶段的客户数",
		"近30天消费最多的10个客户", "沉默客户中买过防晒霜的"}
	var wantA, wantB []*server.Answer
	differ := 0
	for _, q := range questions {
		x, errA := onA.Ask(ctx, server.AskRequest{Question: q, Limit: &limit})
		y, errB := onB.Ask(ctx, server.AskRequest{Question: q, Limit: &limit})
		if errA != nil || errB != nil {
			t.Fatalf("%s on SQLite: %v %v", q, errA, errB)
		}
		if Diff(x, y) != "" {
			differ++
		}
		wantA, wantB = append(wantA, x), append(wantB, y)
	}
	if differ < 3 {
		t.Fatalf("only %d questions answer differently on A and B: the test proves little", differ)
	}

	done := make(chan error, 1)
	go func() {
		for i := 0; i < 6; i++ {
			path := pathB
			if i%2 == 1 {
				path = pathA
			}
			if err := publish(path); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var asked, ofA, ofB, busy int
	for copying := true; copying; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			copying = false
		default:
		}
		i := asked % len(questions)
		asked++
		y, err := onCH.Ask(ctx, server.AskRequest{Question: questions[i], Limit: &limit})
		switch {
		case err != nil && Code(err) == "unavailable":
			busy++
		case err != nil:
			t.Fatalf("%s while copies are published: %v", questions[i], err)
		case Diff(wantA[i], y) == "":
			ofA++
		case Diff(wantB[i], y) == "":
			ofB++
		default:
			t.Errorf("%s: an answer of neither warehouse (against A: %s; against B: %s)", questions[i], Diff(wantA[i], y), Diff(wantB[i], y))
		}
	}
	t.Logf("%d questions while 6 copies were published: %d of A, %d of B, %d asked to come back", asked, ofA, ofB, busy)
	for i, q := range questions {
		y, err := onCH.Ask(ctx, server.AskRequest{Question: q, Limit: &limit})
		if err != nil {
			t.Fatalf("%s after the copies: %v", q, err)
		}
		if d := Diff(wantA[i], y); d != "" {
			t.Errorf("%s after the last copy (A): %s", q, d)
		}
	}
}
