package com.acme;

public final class Geometry {
    public static final double PI = 3.141592653589793;

    public static double square(double x) {
        return x * x;
    }
}
