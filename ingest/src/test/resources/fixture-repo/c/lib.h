#ifndef LIB_H
#define LIB_H
struct point { int x; int y; };
int add(int a, int b);
#endif
