use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

#[tokio::main]
async fn main() {
    // Single-threaded habits: a shared, mutable counter.
    let jokes_told = Rc::new(RefCell::new(0));
    let counter = Rc::clone(&jokes_told);
    let task = tokio::spawn(async move {
        *counter.borrow_mut() += 1;
    });
    task.await.unwrap();

    // Swapping in Arc is not enough: RefCell is not Sync.
    let jokes_told = Arc::new(RefCell::new(0));
    let counter = Arc::clone(&jokes_told);
    let task = tokio::spawn(async move {
        *counter.borrow_mut() += 1;
    });
    task.await.unwrap();
}
