//! The allocator's side of memory: few malloc arenas, and freed pages handed back after a
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

/// At most `arenas` malloc arenas for the whole process (call before any thread starts).
/// glibc gives each thread that allocates an arena of its own; a list decoded on a worker
/// and freed on the loop then leaves pages behind in many arenas that trimming cannot
/// return. With few arenas, memory after five refreshes of 10,000 rows stays at the start
/// level (perf/rss.py). The first threads to allocate get the new arenas: the dashboard's
/// two list readers (`api::start_readers`) take one each, so that the two halves of a list
/// never wait for one arena's lock; later threads are handed the three in turn.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_heap_arenas(arenas: i32) {
    /// `M_ARENA_MAX` in glibc's malloc.h.
    const M_ARENA_MAX: std::os::raw::c_int = -8;
    set_malloc_option(M_ARENA_MAX, arenas);
}

/// Blocks of 128 KiB and more keep getting pages of their own, returned to the OS when
/// freed. glibc otherwise raises this threshold (128 KiB at start) to the largest block
/// freed so far, and the next answers of a refresh (5 MB each) then stay behind in
/// whichever of the arenas held them (embedded sandbox: 29 → 43 MiB after 5 refreshes).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn map_large_blocks_apart() {
    /// `M_MMAP_THRESHOLD` in glibc's malloc.h.
    const M_MMAP_THRESHOLD: std::os::raw::c_int = -3;
    set_malloc_option(M_MMAP_THRESHOLD, 128 << 10);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_malloc_option(param: std::os::raw::c_int, value: std::os::raw::c_int) {
    extern "C" {
        fn mallopt(param: std::os::raw::c_int, value: std::os::raw::c_int) -> std::os::raw::c_int;
    }
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before other
    // threads exist, it races with nothing. A value glibc refuses leaves its default: the
    // process then only uses more memory, so the answer is not checked.
    unsafe {
        mallopt(param, value);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_heap_arenas(_arenas: i32) {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn map_large_blocks_apart() {}
