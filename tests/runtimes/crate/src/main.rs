use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    let total = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let t = Arc::clone(&total);
            thread::spawn(move || {
                let s: u64 = (0..100000u64).map(|x| x % (i + 2)).sum();
                *t.lock().unwrap() += s;
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!("hello from rust, total {}", *total.lock().unwrap());
}
