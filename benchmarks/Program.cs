// Placeholder entry point so the solution builds on the interop branch; the benchmarks come with issue 2.
return 0;
