package com.acme;

/** Anything with an area. */
public interface Shape {
    double area();
}
