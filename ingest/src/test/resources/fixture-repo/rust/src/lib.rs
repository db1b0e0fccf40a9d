pub trait Speak {
    fn speak(&self) -> String;
}

pub struct Dog;

impl Speak for Dog {
    fn speak(&self) -> String {
        helper()
    }
}

fn helper() -> String {
    String::from("woof")
}
