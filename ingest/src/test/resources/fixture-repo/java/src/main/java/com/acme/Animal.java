package com.acme;

public abstract class Animal {
    public String sound() {
        return "...";
    }
}
