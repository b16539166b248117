# Runs SCENARIO with a JSON Lines trace and with a binary (.itb) trace, then
# converts each to the other form: the converted JSON Lines must be
# byte-identical to the JSON Lines the run wrote, and the converted binary to
# the binary the run wrote.
foreach(ext jsonl itb)
  file(REMOVE ${OUT}.${ext} ${OUT}.conv.${ext})
  execute_process(COMMAND ${INTRSIM} run ${SCENARIO} --quiet --trace ${OUT}.${ext}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "intrsim run ${SCENARIO} --trace ${OUT}.${ext} exited ${rc}\n${out}${err}")
  endif()
endforeach()
foreach(pair "itb;jsonl" "jsonl;itb")
  list(GET pair 0 from)
  list(GET pair 1 to)
  execute_process(COMMAND ${INTRSIM} convert ${OUT}.${from} -o ${OUT}.conv.${to} --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "intrsim convert ${OUT}.${from} -o ${OUT}.conv.${to} exited ${rc}\n${out}${err}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.${to} ${OUT}.conv.${to} RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    message(FATAL_ERROR "${OUT}.${from} converted to ${to} differs from the run's own ${OUT}.${to}")
  endif()
endforeach()
