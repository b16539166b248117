# Runs SCENARIO through INTRSIM, then opens its trace in VIEW headless twice
# (PNG and BMP) at the trace's midpoint; both must succeed and two BMP runs
# must be byte-identical.
execute_process(COMMAND ${INTRSIM} run ${SCENARIO} --quiet --trace ${OUT}.jsonl
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 2)
  message(FATAL_ERROR "intrsim run ${SCENARIO} refused it (exit 2)\n${out}${err}")
endif()
foreach(shot ${OUT}.png ${OUT}.1.bmp ${OUT}.2.bmp)
  file(REMOVE ${shot})
  execute_process(COMMAND ${VIEW} ${OUT}.jsonl --screenshot ${shot} --size 1280x800 --at 50%
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trace-view ${OUT}.jsonl --screenshot ${shot} exited ${rc}\n${out}${err}")
  endif()
  if(NOT EXISTS ${shot})
    message(FATAL_ERROR "trace-view wrote no ${shot}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.bmp ${OUT}.2.bmp RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "two renderings of ${OUT}.jsonl differ")
endif()
