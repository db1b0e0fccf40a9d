#include "lib.h"

int counter = 0;

int add(int a, int b) {
    counter++;
    return a + b;
}
