package acme

open class Base
class App : Base() {
    fun run() = println("run")
}
