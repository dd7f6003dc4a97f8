//! The allocator's side of memory: one malloc arena, and freed pages handed back after a
//! list is replaced (glibc only; elsewhere these do nothing).

/// glibc keeps freed pages of a replaced list (10,000 rows: ~15 MiB) mapped; this hands
/// them back so memory after a refresh is what it was at start.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn release_freed_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: malloc_trim takes no pointers and only returns free heap pages to the OS;
    // glibc documents it as safe to call at any time, from any thread.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn release_freed_memory() {}

/// One malloc arena for the whole process (call before any thread starts). glibc gives
/// each thread that allocates its own arena; a list decoded on a worker and freed on the
/// loop then leaves pages behind in several arenas that trimming cannot return. With one
/// arena, memory after five refreshes of 10,000 rows stays at the start level (perf/rss.py).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn use_one_heap_arena() {
    extern "C" {
        fn mallopt(param: std::os::raw::c_int, value: std::os::raw::c_int) -> std::os::raw::c_int;
    }
    /// `M_ARENA_MAX` in glibc's malloc.h.
    const M_ARENA_MAX: std::os::raw::c_int = -8;
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before other
    // threads exist, it races with nothing.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn use_one_heap_arena() {}
