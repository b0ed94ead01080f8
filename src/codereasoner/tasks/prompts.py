"""Tasks stage: every prompt template, in one place, named KIND_STYLE.

Sources (verbatim where the source is public): CRUXEval prompts.py @ 190faf1 (docs/scoring.md);
LiveCodeBench lcb_runner/prompts/code_execution.py @ 28fef95 (docs/scoring.md); REval prompts/direct_*.txt @
2f148b9 (docs/scoring.md); ExecVerify data/extract_trace_dataset.py and extract_*_cot.py @ d9d7187 (docs/recipes.md);
StepCodeReasoner App. A system prompts (docs/recipes.md; the paper gives no user-turn template, so the user
turn is CRUXEval's assertion with the instrumented code — a documented guess).
Templates are filled with `fill`, which replaces only the named `{placeholders}` in one pass, so braces in
code (dicts, f-strings) are never interpreted. The CRUXEval templates name the function `{func}` where the
original writes `f`: with func="f" (every CRUXEval program) the text is byte-identical to the original.
This file is long because the templates are verbatim text; text that templates share word for word is
written once (`_OUTPUT_*_INSTRUCTIONS`, `_walkthrough`, `_NUMBERED_CODE`, `_REVAL_FAB`).
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, **values: str) -> str:
    """Replace `{name}` for the given names only, in one pass (values are never re-scanned)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), template)


def numbered(code: str) -> str:
    """ExecVerify's `append_lineno_str`: "N\\tline" for non-blank lines, blank lines left empty."""
    return "\n".join(f"{i}\t{line}" if line.strip() else "" for i, line in enumerate(code.split("\n"), 1))


# ------------------------------------------------------------------------------------------------
# CRUXEval (make_direct_output_prompt, make_cot_output_prompt, make_direct_input_prompt, make_cot_input_prompt)

# The output templates' first paragraph and CoT example, word for word the same in LiveCodeBench's
# templates below (which differ only in the examples' function names and `{input}` being the whole call).
_OUTPUT_DIRECT_INSTRUCTIONS = """You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.
"""
_OUTPUT_COT_INSTRUCTIONS = """You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Execute the program step by step before arriving at an answer, and provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.
"""


def _walkthrough(name: str) -> str:
    """The CoT example's step-by-step execution of `name(s)` (`f` in CRUXEval, `performOperation` in LCB)."""
    return fill('''Let's execute the code step by step:

1. The function {name} is defined, which takes a single argument s.
2. The function is called with the argument "hi", so within the function, s is initially "hi".
3. Inside the function, s is concatenated with itself, so s becomes "hihi".
4. The function then returns a new string that starts with "b", followed by the value of s (which is now "hihi"), and ends with "a".
5. The return value of the function is therefore "bhihia".
''', name=name)


OUTPUT_DIRECT = _OUTPUT_DIRECT_INSTRUCTIONS + '''
[PYTHON]
def f(n):
    return n
assert f(17) == ??
[/PYTHON]
[ANSWER]
assert f(17) == 17
[/ANSWER]

[PYTHON]
def f(s):
    return s + "a"
assert f("x9j") == ??
[/PYTHON]
[ANSWER]
assert f("x9j") == "x9ja"
[/ANSWER]

[PYTHON]
{code}
assert {func}({input}) == ??
[/PYTHON]
[ANSWER]
'''

OUTPUT_COT = _OUTPUT_COT_INSTRUCTIONS + '''
[PYTHON]
def f(s):
    s = s + s
    return "b" + s + "a"
assert f("hi") == ??
[/PYTHON]
[THOUGHT]
''' + _walkthrough("f") + '''[/THOUGHT]
[ANSWER]
assert f("hi") == "bhihia"
[/ANSWER]

[PYTHON]
{code}
assert {func}({input}) == ??
[/PYTHON]
[THOUGHT]
'''

INPUT_DIRECT = '''You will be given a function f and an output in the form f(??) == output. Find any input such that executing f on the input leads to the given output. There may be multiple answers, but you should only output one. In [ANSWER] and [/ANSWER] tags, complete the assertion with one such input that will produce the output when executing the function.

[PYTHON]
def f(my_list):
    count = 0
    for i in my_list:
        if len(i) % 2 == 0:
            count += 1
    return count
assert f(??) == 3
[/PYTHON]
[ANSWER]
assert f(["mq", "px", "zy"]) == 3
[/ANSWER]

[PYTHON]
def f(s1, s2):
    return s1 + s2
assert f(??) == "banana"
[/PYTHON]
[ANSWER]
assert f("ba", "nana") == "banana"
[/ANSWER]

[PYTHON]
{code}
assert {func}(??) == {output}
[/PYTHON]
[ANSWER]
'''

# The two trailing spaces after "f(??) == 17." and "should be 16." are in the original.
INPUT_COT = '''You will be given a function f and an output in the form f(??) == output. Your task is to find any input such that executing f on the input leads to the given output. There may be multiple answers, but only output one. First, think step by step. You MUST surround the answer with [ANSWER] and [/ANSWER] tags. Express your answer as a passing assertion containing the input and the given output.

[PYTHON]
def f(x):
    return x + 1
assert f(??) == 17
[/PYTHON]
[THOUGHT]
To find an input such that executing f on the input leads to the given output, we can work backwards from the given assertion. We know that f(??) == 17. 

Since the function f(x) returns x + 1, for f(??) to be equal to 17, the value of ?? should be 16. 
[/THOUGHT]
[ANSWER]
assert f(16) == 17
[/ANSWER]

[PYTHON]
{code}
assert {func}(??) == {output}
[/PYTHON]
[THOUGHT]
'''

# ------------------------------------------------------------------------------------------------
# LiveCodeBench code execution (output prediction).

# lcb_runner/prompts/code_execution.py @ 28fef95, verbatim (docs/scoring.md); `{input}` is the whole call.
LCB_OUTPUT_DIRECT = _OUTPUT_DIRECT_INSTRUCTIONS + """
[PYTHON]
def repeatNumber(number : int) -> int:
    return number
assert repeatNumber(number = 17) == ??
[/PYTHON]
[ANSWER]
assert repeatNumber(number = 17) == 17
[/ANSWER]

[PYTHON]
def addCharacterA(string : str) -> str:
    return string + "a"
assert addCharacterA(string = "x9j") == ??
[/PYTHON]
[ANSWER]
assert addCharacterA(string = "x9j") == "x9ja"
[/ANSWER]

[PYTHON]
{code}
assert {input} == ??
[/PYTHON]
[ANSWER]
"""

LCB_OUTPUT_COT = _OUTPUT_COT_INSTRUCTIONS + """
[PYTHON]
def performOperation(s):
    s = s + s
    return "b" + s + "a"
assert performOperation(s = "hi") == ??
[/PYTHON]
[THOUGHT]
""" + _walkthrough("performOperation") + """[/THOUGHT]
[ANSWER]
assert performOperation(s = "hi") == "bhihia"
[/ANSWER]

[PYTHON]
{code}
assert {input} == ??
[/PYTHON]
[THOUGHT]
"""

# ------------------------------------------------------------------------------------------------
# ExecVerify (and CodeReasoner, whose prompts are reconstructed from ExecVerify: docs/recipes.md).

EXECVERIFY_SYSTEM = "You are a programming expert."

_REASONING_FORMAT = """Format your response strictly as follows:
<reasoning>
your step-by-step reasoning here
</reasoning>
<answer>
You answer to the question
</answer>
"""  # "You answer" is verbatim (ExecVerify get_oi_prompt).

# `{args}` is "????" for output prediction's counterpart (input prediction) and `{output}` "????" for output.
ASSERTION_REASONING = """Fill in the missing assertion. Try to find out the ???? in the following code. 
Here is the provided code: 
```
{code}

assert {func}({args}) == {output}

```

Output the complete test case in the following format:
```python
<test case content, including the function content and the assertion statement>
```

""" + _REASONING_FORMAT

# REval-style single questions in the same <reasoning>/<answer> frame (ExecVerify's question wording).
_NUMBERED_CODE = """Here is the provided code:
```
{numbered}
```

"""

COVERAGE_REASONING = _NUMBERED_CODE + """Question: Is line {line}: {codeline} executed when {invocation} is called? Answer YES or NO.

""" + _REASONING_FORMAT

NEXT_LINE_REASONING = _NUMBERED_CODE + """Question: While executing {invocation}, which line of code is executed immediately after line {line}: {codeline} has been executed for the {ordinal} time? Answer with the exact, verbatim source code of that line, or -1 if the line never runs or the function returns or raises right after it.

""" + _REASONING_FORMAT

STATE_REASONING = _NUMBERED_CODE + """Question: Is line {line}: {codeline} executed when {invocation} is called? If so, what are the value and type of the variable '{var}' after line {line} has been executed for the {ordinal} time? Answer as "value; type".

""" + _REASONING_FORMAT

PATH_REASONING = _NUMBERED_CODE + """Question: If the line `{codeline}` is executed when {invocation} is called, which line of code inside the function is executed next? Answer with the exact, verbatim source code of that line, or -1 if the line is not executed or the function returns after it.

""" + _REASONING_FORMAT

# io_mixed (extract_trace_dataset.get_io_mixed_prompt), parts joined with a blank line.
WHITEBOX_INTRO = """You are a programming expert.
Your task is to analyze the Python code and answer the questions. Mentally simulate the execution; do not actually run any code.

IMPORTANT — READ THIS:
The "Example" section below is for FORMAT REFERENCE ONLY.
Do NOT execute the example code and do NOT produce answers for it in your response.
"""

WHITEBOX_EXAMPLE = """Example (DO NOT EXECUTE OR ANSWER):
Here is the code content:
1    def f(a, b):
2        ans = a + b
3        if ans > 0:
4            ans = int(a)
5        else:
6            ans = b
7        return ans
     
8    assert(f(1.1, 2)) == ????

Here are the questions:
Question1: Fill the assertion statement.
Question2: Is Line 4 (        ans = int(a)) executed when f(1.1, 2) is called? If so, what is the value and type of the variable ans after Line 4 is executed?
Question3: Tracing the call f(1.1, 2), what line is executed immediately after ans = int(a)?

The correct output:
<answer>
assert(f(1.1, 2)) == 1
1; int
return ans
</answer>

— End of Example (DO NOT ANSWER THE EXAMPLE) —
"""

WHITEBOX_GUIDELINES = """Guidelines for "next statement" questions:
- Determine the next line executed after the given statement.
- If the given statement is never reached, answer -1.
- If the program terminates immediately after the given statement, answer -1.
- CRITICAL: Your answer MUST be the exact, verbatim source code of the next line — copied character-for-character, including indentation and punctuation.
- Do NOT include line numbers, quotes, backticks, comments, or any extra words.
- If multiple paths are possible, output any one valid next line.

Guidelines for "type & value" questions:
- If the given statement is not executed, answer Nil.
- Otherwise, provide the variable's value and its type.
- If multiple states are possible, output any one valid type and value.
- STRICT FORMAT: value; type
  - Exactly one semicolon and one space.
  - Type must be one of: int, float, bool, complex, str, list, tuple, dict, set, etc.
  - Do NOT add labels, explanations, trailing text, quotes, or backticks.
  - Examples: 1; int    {'a', 'd'}; set    [1, 2]; list

ABSOLUTE FORMAT RULES (MUST FOLLOW):
- For assert-statement answers: output the complete assertion statement.
- For "next statement" answers: output ONLY the code statement string. Do not output line numbers!
- For "type & value" answers: output EXACTLY value; type (single semicolon + single space). No extra text.

Output all answers one per line and in the listed order. No bullets, numbering, or additional commentary.

Format your response strictly as follows:
<reasoning>
your step-by-step reasoning here
</reasoning>
<answer>
Answer for question1
Answer for question2
...
Answer for questionN.
</answer>"""

WHITEBOX_NEXT_LINE_Q = ("While executing {invocation}, which line of code is executed immediately after "
                        "line {line}: {codeline} has been executed for the {ordinal} time?")
WHITEBOX_STATE_Q = ("Is line {line}: {codeline} executed when {invocation} is called? If so, what are the value "
                    "and type of the variable '{var}' after line {line} has been executed for the {ordinal} time?")

# ------------------------------------------------------------------------------------------------
# REval direct prompts (prompts/direct_{coverage,path,state}.txt), verbatim; files end without a newline.

COVERAGE_DIRECT = """You are given a Python function and a question on the function. Answer the question with only YES or NO, considering executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide your answer in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
def f(x):
    if x > 2:
        return x*2
    else:
        return x
f(3)
[/PYTHON]
[QUESTION]
Is Line 3 (        return x*2) executed when f(3) is called?
[/QUESTION]
[ANSWER]
YES
[/ANSWER]

[PYTHON]
class A:
    def g(self, x):
        if x > 2:
            return self.h(x)
        else:
            return x

    def h(self, y):
        return y*2

a = A()
assertEqual(a.g(1), 1)
[/PYTHON]
[QUESTION]
Is Line 9 (        return y*2) executed when the above test code is called?
[/QUESTION]
[ANSWER]
NO
[/ANSWER]

[PYTHON]
{code}
{invocation}
[/PYTHON]
[QUESTION]
Is Line {line} ({codeline}) executed when {invocation_abbr} is called?
[/QUESTION]
[ANSWER]"""

# REval prompts/direct_output.txt @ 2f148b9, verbatim (the file ends without a newline).
REVAL_OUTPUT_DIRECT = """You are given a Python function and test code containing inputs to the function. Complete the assertion in the test code by just replacing the question marks with your answers, considering executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Do NOT modify any other parts of the test code. Provide your answer as the completed code snippet in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
def g(s):
    return s + "a"

assert g("x9j") == ??
[/PYTHON]
[ANSWER]
assert g("x9j") == "x9ja"
[/ANSWER]

[PYTHON]
class A:
    def __init__(self, x):
        self.x = x

    def f(self, y):
        return self.x + y

# Test code starts here. Only write the completed test code in your answer.
a = A(3)
assertEqual(a.f(2), ??)
assertEqual(a.f(4), ??)
[/PYTHON]
[ANSWER]
a = A(3)
assertEqual(a.f(2), 5)
assertEqual(a.f(4), 7)
[/ANSWER]

[PYTHON]
{code}
{invocation}
[/PYTHON]
[ANSWER]"""

_REVAL_FAB = """def f(a, b):
    ans = a + b
    if ans > 0:
        ans = int(a)
    else:
        ans = b
    return ans
"""

PATH_DIRECT = """You are given a Python function and a question on the function. Answer the question with only one line of code, considering executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide your answer in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
""" + _REVAL_FAB + """
f(1.1, 2)
[/PYTHON]
[QUESTION]
If the line `        ans = int(a)` is executed when f(1.1, 2) is called, answer with the next line of code to be executed inside the function. Do NOT answer lines in the test code. If not or program terminates after this line, answer with -1.
[/QUESTION]
[ANSWER]
return ans
[/ANSWER]

[PYTHON]
""" + _REVAL_FAB + """
f(1.1, -2)
[/PYTHON]
[QUESTION]
If the line `        ans = int(a)` is executed when f(1.1, -2) is called, answer with the next line of code to be executed inside the function. Do NOT answer lines in the test code. If not or program terminates after this line, answer with -1.
[/QUESTION]
[ANSWER]
-1
[/ANSWER]

[PYTHON]
class A:
    def f(self, x):
        z = self.g(x)
        return z
    
    def g(self, y):
        return y*2

a = A()
assertEqual(a.f(3), 6)
[/PYTHON]
[QUESTION]
If the line `        z = self.g(x)` is executed when the above test code is called, answer with the next line of code to be executed inside the function. Do NOT answer lines in the test code. If not or program terminates after this line, answer with -1.
[/QUESTION]
[ANSWER]
return y*2
[/ANSWER]

[PYTHON]
{code}
{invocation}
[/PYTHON]
[QUESTION]
If the line `{codeline}` is executed when {invocation_abbr} is called, answer with the next line of code to be executed inside the function. Do NOT answer lines in the test code. If not or program terminates after this line, answer with -1.
[/QUESTION]
[ANSWER]"""

STATE_DIRECT = """You are given a Python function and a question on the function. Answer the question in "value; type" format, considering executing the provided code on the given input, even if the function is incorrect or incomplete. Make sure the value is a valid Python constant and the type is a valid Python class name. There may be multiple answers, but you should only output one. Do NOT output any extra information. Provide your answer in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
""" + _REVAL_FAB + """
f(1.1, 2)
[/PYTHON]
[QUESTION]
Is Line 4 (        ans = int(a)) executed when f(1.1, 2) is called? If so, what is the value and type of the variable ans after Line 4 is executed? If not, answer Nil.
[/QUESTION]
[ANSWER]
1; int
[/ANSWER]

[PYTHON]
""" + _REVAL_FAB + """
f(1.1, -2)
[/PYTHON]
[QUESTION]
Is Line 4 (        ans = int(a)) executed when f(1.1, -2) is called? If so, what is the value and type of the variable ans after Line 4 is executed? If not, answer Nil.
[/QUESTION]
[ANSWER]
Nil
[/ANSWER]

[PYTHON]
class A:
    def __init__(self):
        self.x = []
    
    def f(self, y):
        self.x.append(y)
        return y

a = A()
assertEqual(a.f('a'), 'a')
[/PYTHON]
[QUESTION]
Is Line 6 (        self.x.append(y)) executed when the above test code is called? If so, what is the value and type of the variable self.x after Line 6 is executed? If not, answer Nil.
[/QUESTION]
[ANSWER]
['a']; list
[/ANSWER]

[PYTHON]
{code}
{invocation}
[/PYTHON]
[QUESTION]
Is Line {line} ({codeline}) executed when {invocation_abbr} is called? If so, what is the value and type of the variable {var} after Line {line} is executed? If not, answer Nil.
[/QUESTION]
[ANSWER]"""

# ------------------------------------------------------------------------------------------------
# StepCodeReasoner (App. A). The user turn shows the instrumented code and the CRUXEval-style assertion.

STEP_OUTPUT_SYSTEM = """A user will ask you to solve a task. You need to predict the output of every print statement in the code step-by-step in the order of execution. For EACH print statement, you must FIRST use <reasoning> to think about what it will output, THEN use <print> to provide the predicted output. After predicting all print statements, use <reasoning> to think about how to complete the assertion, and finally use <answer> to provide the solution.
<reasoning> reasoning process for the first print statement </reasoning> <print> output of the first print statement </print> <reasoning> reasoning process for the second print statement </reasoning> <print> output of the second print statement </print> ... <reasoning> reasoning process for how to complete the assertion </reasoning> <answer> Final solution presented to the user. </answer>"""

STEP_INPUT_SYSTEM = """A user will ask you to solve a task. You need to infer the unknown input(s) of the function and predict the output of every print statement in the code step-by-step in the order of execution. Before predicting print outputs, you must first determine the unknown input(s). Use <reasoning> to think about what the input(s) must be, and then use <input> to provide the inferred value(s). Then, for EACH print statement, you must FIRST use <reasoning> to think about what it will output, THEN use <print> to provide the predicted output. After predicting all print statements, use <reasoning> to think about how to complete the assertion, and finally use <answer> to provide the solution.
<reasoning> reasoning process for the unknown input(s) </reasoning> <input> inferred input(s) </input> <reasoning> reasoning process for the first print statement </reasoning> <print> output of the first print statement </print> ... <reasoning> reasoning process for how to complete the assertion </reasoning> <answer> Final solution presented to the user. </answer>"""

STEP_OUTPUT_USER = """Predict the output of every print statement, then complete the assertion with the output of the call.

```python
{code}
assert {func}({args}) == ??
```"""

STEP_INPUT_USER = """Find an input such that the assertion passes, predict the output of every print statement when the function runs on it, then complete the assertion.

```python
{code}
assert {func}(??) == {output}
```"""

# ------------------------------------------------------------------------------------------------
# "minimal": a short prompt for the tiny quickstart model (few tokens, no instructions to follow).

OUTPUT_MINIMAL = "{code}\n>>> {call}\n"
INPUT_MINIMAL = "{code}\n>>> {func}(??) == {output}\n"
# whitebox: numbered code, the call, one short line per question: "next L#k" (the line after the k-th run of
# line L) or "VAR@L#k" (VAR's value; type after it); the answer lines as in the execverify style.
WHITEBOX_MINIMAL_NEXT = "next {line}#{occurrence}"
WHITEBOX_MINIMAL_STATE = "{var}@{line}#{occurrence}"
