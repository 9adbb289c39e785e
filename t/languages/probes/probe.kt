import java.io.File
import java.net.Socket

fun main() {
    val port = readLine()!!.trim().toInt()
    val dir = readLine()!!.trim()
    for (path in listOf("$dir/canary", "/etc/shadow", "/work/main/Makefile")) {
        try {
            File(path).readText()
            println("ESCAPED read $path")
        } catch (e: Exception) {
            println("contained read $path")
        }
    }
    try {
        File("$dir/written").writeText("x")
        println("ESCAPED write")
    } catch (e: Exception) {
        println("contained write")
    }
    try {
        Socket("127.0.0.1", port).close()
        println("ESCAPED connect")
    } catch (e: Exception) {
        println("contained connect")
    }
}
