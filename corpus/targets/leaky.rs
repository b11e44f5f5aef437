// leaky.rs: the leak target in Rust, for classify's allocator naming
// (t0320). Not built by make (rustc is not a dependency): the test
// compiles it with `rustc -O` when rustc is there.
//
//   leaky [COUNT]     (default 262144)
//
// Keeps COUNT boxes of 96 bytes (through Rust's System allocator: the
// process's malloc), prints the readiness line of target.h and waits:
//   ready pid=N contexts=COUNT first=0x...
use std::io::Write;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(262144);
    let mut v: Vec<Box<[u8; 96]>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut b = Box::new([0u8; 96]);
        b[..8].copy_from_slice(b"$UNKNOWN");
        b[8] = i as u8;
        v.push(b);
    }
    let mut out = std::io::stdout();
    writeln!(out, "ready pid={} contexts={} first={:p}", std::process::id(), n, &*v[0]).unwrap();
    out.flush().unwrap();
    drop(out);
    unsafe { libc_close(1) };
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

extern "C" {
    #[link_name = "close"]
    fn libc_close(fd: i32) -> i32;
}
