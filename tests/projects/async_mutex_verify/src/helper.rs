pub fn bump(guard: &mut std::sync::MutexGuard<'_, u32>) {
    **guard += 1;
}
