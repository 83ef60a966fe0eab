package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := make(chan int, 8)
	total := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			s := 0
			for i := 0; i < 200000; i++ {
				s += i % (id + 3)
			}
			mu.Lock()
			total += s
			mu.Unlock()
			results <- id
		}(g)
	}
	wg.Wait()
	close(results)
	n := 0
	for range results {
		n++
	}
	fmt.Println("goroutines", n, "total", total, "GOMAXPROCS", runtime.GOMAXPROCS(0))
}
