#include <stdio.h>
#include "lib.h"

int main(void) {
    struct point p = { 1, 2 };
    printf("%d\n", add(p.x, p.y));
    return 0;
}
