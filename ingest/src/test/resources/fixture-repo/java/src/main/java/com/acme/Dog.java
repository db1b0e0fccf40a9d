package com.acme;

public class Dog extends Animal {
    @Override
    public String sound() {
        return "woof";
    }

    public static Circle ball() {
        return new Circle(1.0);
    }
}
