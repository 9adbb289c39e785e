// expect: ok
// stdout: hello from node
console.log("hello from node");
