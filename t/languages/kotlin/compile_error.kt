fun main() {
    undeclared_name()
}
