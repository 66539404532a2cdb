package main

func cmdServe(e env, args []string) int { return 1 }
