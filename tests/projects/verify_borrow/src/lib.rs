pub mod counter;
pub mod names;

pub async fn tick() {}
